import { Body, Controller, Get, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { CurrentSessionId, SessionService } from 'nest-qsessions';
import { CurrentUser, SignedInGuard, StaffGuard } from '../auth/guards.js';
import { addFlash, csrfTokenOf, takeFlash, type SampleRequest } from '../auth/session-data.js';
import { sendHtml } from '../http/respond.js';
import type { User } from '../users/user.entity.js';
import { adminListUrl, adminSessionsPage } from '../views/admin.page.js';
import { AdminSessionsService, parseAdminFilters } from './admin-sessions.service.js';

/** Admin: every session of every user (staff only), with search, filter, pages and revoke. */
@Controller('admin/sessions')
@UseGuards(SignedInGuard, StaffGuard)
export class AdminSessionsController {
  constructor(
    private readonly sessions: SessionService,
    private readonly admin: AdminSessionsService,
  ) {}

  @Get()
  async list(
    @Req() req: SampleRequest,
    @Res() res: Response,
    @CurrentUser() user: User,
    @CurrentSessionId() currentId: string | undefined,
    @Query() query: Record<string, unknown>,
  ): Promise<void> {
    const session = req.session!;
    const listing = await this.admin.search(parseAdminFilters(query), currentId);
    const context = { user, csrfToken: csrfTokenOf(session), flash: takeFlash(session) };
    sendHtml(res, 200, adminSessionsPage(context, listing, new Date()));
  }

  /**
   * Ends any user's session (`SessionService.revokeById`, for staff tools), with reason `admin`
   * and the staff member as actor, so that its owner's sign-in page and history say who did it;
   * back to the same list.
   */
  @Post(':id/revoke')
  async revoke(
    @Req() req: SampleRequest,
    @Res() res: Response,
    @CurrentUser() staff: User,
    @CurrentSessionId() currentId: string | undefined,
    @Param('id') id: string,
    @Body() body: Record<string, unknown>,
  ): Promise<void> {
    if (id === currentId) {
      await this.sessions.logout(req);
      return res.redirect(303, '/login?signedOut=1');
    }
    const target = await this.admin.findOne(id);
    const ended = await this.sessions.revokeById(id, { reason: 'admin', actor: staff.username });
    if (ended && target) {
      const owner = (target.user as User | null | undefined)?.username ?? 'an anonymous visitor';
      const ip = target.ip ? `, ${target.ip}` : '';
      addFlash(req.session!, 'success', `Revoked the session of ${owner} (${target.device().summary}${ip}).`);
    } else {
      addFlash(req.session!, 'error', 'That session had already ended.');
    }
    res.redirect(303, adminListUrl(parseAdminFilters(body)));
  }
}
