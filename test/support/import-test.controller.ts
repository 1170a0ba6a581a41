import {
  Controller,
  Get,
  Injectable,
  Req,
  UnauthorizedException,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { CurrentSession, RequestSession, SessionService } from '../../lib/index.js';

/** The signed-in user of a session: `userId`, or passport's `passport.user`. */
function userOf(session: RequestSession | undefined): number | undefined {
  const passport = session?.passport as { user?: number } | undefined;
  return (session?.userId as number | undefined) ?? passport?.user;
}

/** Lets only signed-in sessions through, as an app's auth guard would. */
@Injectable()
class SignedInGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<{ session?: RequestSession; raw?: { session?: RequestSession } }>();
    if (userOf(req.session ?? req.raw?.session) === undefined) throw new UnauthorizedException('Not signed in');
    return true;
  }
}

/** The nest-qsessions side of the express-session migration tests. */
@Controller('account')
export class ImportTestController {
  constructor(private readonly sessions: SessionService) {}

  /** A guarded route: the user, the session data, and the user's sessions (this one marked current). */
  @Get()
  @UseGuards(SignedInGuard)
  async account(@CurrentSession() session: RequestSession, @Req() req: object) {
    const user = userOf(session)!;
    return {
      user,
      data: { ...session },
      maxAge: session.cookie.maxAge,
      sessions: await this.sessions.list(user, { current: req }),
    };
  }
}
