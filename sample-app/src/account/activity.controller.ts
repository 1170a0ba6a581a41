import { BadRequestException, Controller, Get, Query, Req, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { CurrentSessionId, SessionService } from 'nest-qsessions';
import { CurrentUser, SignedInGuard } from '../auth/guards.js';
import { csrfTokenOf, takeFlash, type SampleRequest } from '../auth/session-data.js';
import { sendHtml } from '../http/respond.js';
import type { User } from '../users/user.entity.js';
import { activityPage } from '../views/activity.page.js';

/** Entries per page of the security activity. */
export const ACTIVITY_PAGE_SIZE = 20;

/**
 * "Security activity": the signed-in user's sign-in history (`SessionService.history()`, the
 * `history` option), newest first, 20 per page. The "Older" link carries the page's `next`
 * cursor as `before`; a cursor the library did not give is its 400, shown by HtmlExceptionFilter.
 */
@Controller('account/activity')
@UseGuards(SignedInGuard)
export class ActivityController {
  constructor(private readonly sessions: SessionService) {}

  @Get()
  async page(
    @Req() req: SampleRequest,
    @Res() res: Response,
    @CurrentUser() user: User,
    @CurrentSessionId() currentId: string | undefined,
    @Query('before') before: unknown,
  ): Promise<void> {
    if (before !== undefined && typeof before !== 'string') {
      throw new BadRequestException('This page address is not one of the links of the activity page.');
    }
    // Scoped to the user: a cursor taken from someone else's page shows nothing of theirs.
    const page = await this.sessions.history(user, { limit: ACTIVITY_PAGE_SIZE, before: before ?? null });
    const session = req.session!;
    const context = { user, csrfToken: csrfTokenOf(session), flash: takeFlash(session), section: 'activity' as const };
    sendHtml(res, 200, activityPage(context, page, { newest: before === undefined, currentId }, new Date()));
  }
}
