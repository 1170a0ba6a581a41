import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { QSession } from '../../lib/index.js';
import { ADMIN_PAGE_SIZE } from '../../sample-app/src/admin/admin-sessions.service.js';
import { LiveGateway } from '../../sample-app/src/live/live.gateway.js';
import { NewSignInAlerts } from '../../sample-app/src/mail/new-sign-in-alerts.js';
import { User } from '../../sample-app/src/users/user.entity.js';
import { ADMIN_CARDS_MAX_WIDTH } from '../../sample-app/src/views/styles.js';
import { MailCatcher, notMeLinkOf } from '../support/mail-catcher.js';
import { GEOIP_FIXTURES, startSample, type RunningSample } from '../support/sample-app.js';
import { TestClock } from '../support/test-clock.js';

// The sample app in a real browser (Debian's Chromium, driven by playwright-core): two devices of
// one user, signing one out, CSRF, the sessions admin (on a desktop and on a phone), naming a
// device, changing the password behind step-up, the choice at the session limit, the OS that
// Client Hints report, the new-sign-in e-mail and its "This wasn't me" link, the security
// activity, why a device was signed out (its page moves to the sign-in form by itself, over the
// sample's WebSocket), and screenshots of the pages.
//
// Collected only with QSESSIONS_TEST_BROWSER=1 (see jest.config.js). When it is set, a missing
// Chromium fails the suite: it is never skipped.

const CHROMIUM = process.env.QSESSIONS_CHROMIUM_PATH ?? '/usr/bin/chromium';
// As this machine's Chromium needs them: root without a sandbox, and no calls home.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCREENSHOTS = join(ROOT, 'test-output', 'screenshots');
const DOCS_SCREENSHOT = join(ROOT, 'docs', 'sessions-page.png');

const CHROME_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const SAFARI_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
const CHROME_ANDROID_TABLET =
  'Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const FIREFOX_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:125.0) Gecko/20100101 Firefox/125.0';
const EDGE_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51';
// Chrome's frozen User-Agent on every Mac, whatever its macOS.
const CHROME_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';

/** What a Chromium-based browser tells through User-Agent Client Hints (CDP's UserAgentMetadata). */
interface UserAgentMetadata {
  brands: Array<{ brand: string; version: string }>;
  fullVersionList: Array<{ brand: string; version: string }>;
  platform: string;
  platformVersion: string;
  architecture: string;
  model: string;
  mobile: boolean;
}

/** Chrome 124 on macOS Sonoma 14.2.1 (an Apple silicon Mac). */
const MAC_14: UserAgentMetadata = {
  brands: [
    { brand: 'Not-A.Brand', version: '99' },
    { brand: 'Chromium', version: '124' },
    { brand: 'Google Chrome', version: '124' },
  ],
  fullVersionList: [
    { brand: 'Not-A.Brand', version: '99.0.0.0' },
    { brand: 'Chromium', version: '124.0.6367.91' },
    { brand: 'Google Chrome', version: '124.0.6367.91' },
  ],
  platform: 'macOS',
  platformVersion: '14.2.1',
  architecture: 'arm',
  model: '',
  mobile: false,
};

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

/** One device: a browser context with its own cookies, User-Agent and address. */
interface Device {
  context: BrowserContext;
  page: Page;
}

interface Card {
  title: string;
  thisDevice: boolean;
  device: string;
  location: string;
  ip: string;
  lastActive: string;
}

// Each step drives a real browser: more time than the default 30 s, on a slow machine.
const STEP_TIMEOUT = 90_000;

describe('sample app in Chromium', () => {
  let sample: RunningSample;
  let browser: Browser;
  let folder: string;
  const devices: Device[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium was not found at ${CHROMIUM}, and QSESSIONS_TEST_BROWSER=1 asks for the browser tests. ` +
          'Install it with `apt-get install -y chromium` (Debian), or point QSESSIONS_CHROMIUM_PATH at a Chromium, ' +
          'or leave QSESSIONS_TEST_BROWSER unset to run `npm test` without them.',
      );
    }
    folder = mkdtempSync(join(tmpdir(), 'qsessions-browser-'));
    sample = await startSample({
      SAMPLE_SQLITE_PATH: join(folder, 'sample.db'),
      SAMPLE_RESET: '1',
      GEOIP_PATH: GEOIP_FIXTURES,
      // The browsers connect over loopback and say where they "are" with X-Forwarded-For.
      SAMPLE_TRUST_PROXY: 'loopback',
      PORT: '0',
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, STEP_TIMEOUT);

  afterAll(async () => {
    for (const device of devices) await device.context.close().catch(() => undefined);
    await browser?.close();
    await sample?.close();
    if (folder) rmSync(folder, { recursive: true, force: true });
  }, STEP_TIMEOUT);

  /**
   * A device with this User-Agent (null: Chromium's own, with the Client Hints it sends by itself).
   * It sends the Client Hints of `clientHints`, or none: Playwright would otherwise derive hints
   * from the User-Agent (with this Chromium's brand and version, "Chromium 156"), which no real
   * browser of that User-Agent sends; Safari and Firefox send none at all.
   */
  async function open(
    userAgent: string | null,
    ip: string | null,
    viewport = DESKTOP,
    url = sample.url,
    clientHints?: UserAgentMetadata,
  ): Promise<Device> {
    const context = await browser.newContext({
      baseURL: url,
      ...(userAgent !== null && { userAgent }),
      viewport,
      extraHTTPHeaders: ip ? { 'X-Forwarded-For': ip } : {},
      timezoneId: 'UTC',
      locale: 'en-GB',
    });
    const page = await context.newPage();
    if (userAgent !== null) {
      // Without metadata, Chromium sends no Client Hints with an overridden User-Agent. The CDP
      // session stays open: its overrides end with it.
      const cdp = await context.newCDPSession(page);
      await cdp.send('Emulation.setUserAgentOverride', {
        userAgent,
        ...(clientHints && { userAgentMetadata: clientHints }),
      });
    }
    const device = { context, page };
    devices.push(device);
    return device;
  }

  /** Clicks a button that submits a form; resolves, once the next page has loaded, to its response. */
  async function submit(page: Page, button: Locator) {
    const [response] = await Promise.all([page.waitForNavigation(), button.click()]);
    return response!;
  }

  async function signIn({ page }: Device, username: string, password = `${username}-password`): Promise<void> {
    await page.goto('/login');
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(password);
    const response = await submit(page, page.getByRole('button', { name: 'Sign in' }));
    expect([response.status(), new URL(page.url()).pathname]).toEqual([200, '/sessions']);
  }

  /** The public id of a device's session: the SHA-256 of its cookie. */
  async function sessionIdOf({ context }: Device): Promise<string> {
    const cookie = (await context.cookies()).find((candidate) => candidate.name === 'sessionid');
    return createHash('sha256').update(cookie!.value).digest('hex');
  }

  const textOf = (locator: Locator) => locator.innerText().then((text) => text.trim());

  /**
   * Resolves once the page's live script is followed by the app: its WebSocket is open and the
   * server watches its session (the script marks `<html data-live="watching">`).
   */
  async function watching(page: Page): Promise<void> {
    await page.locator('html[data-live="watching"]').waitFor({ state: 'attached' });
  }

  /** Resolves, to its address, once the page has moved to the sign-in form by itself. */
  async function movedToSignIn(page: Page): Promise<URL> {
    await page.waitForURL((url) => url.pathname === '/login');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    return new URL(page.url());
  }

  async function cardsOf(page: Page): Promise<Card[]> {
    const items = page.locator('li.session');
    const cards: Card[] = [];
    const fact = (item: Locator, name: string) =>
      item
        .locator('.fact')
        .filter({ has: page.locator('dt', { hasText: name }) })
        .locator('dd')
        .innerText();
    for (let index = 0; index < (await items.count()); index += 1) {
      const item = items.nth(index);
      cards.push({
        title: await item.locator('h2').innerText(),
        thisDevice: (await item.locator('.badge-current', { hasText: 'This device' }).count()) === 1,
        device: await fact(item, 'Device'),
        location: await fact(item, 'Location'),
        ip: await fact(item, 'IP address'),
        lastActive: await fact(item, 'Last active'),
      });
    }
    return cards;
  }

  function adminRows(page: Page): Locator {
    return page.locator('tbody tr[data-session-id]');
  }

  let windows: Device;
  let iphone: Device;
  let tablet: Device;

  it(
    'two devices of one user: each sees both sessions, and "This device" on its own',
    async () => {
      windows = await open(CHROME_WINDOWS, '89.160.20.112');
      iphone = await open(SAFARI_IPHONE, '81.2.69.160', PHONE);
      await signIn(windows, 'alice');
      expect(await textOf(windows.page.locator('.flash-success'))).toBe('Signed in as Alice Andersson.');
      await signIn(iphone, 'alice');

      await windows.page.reload();
      expect(await cardsOf(windows.page)).toEqual([
        {
          title: 'Chrome on Windows',
          thisDevice: true,
          device: 'Desktop',
          location: 'Linköping, Sweden',
          ip: '89.160.20.112',
          lastActive: 'Active now',
        },
        {
          title: 'Safari on iPhone',
          thisDevice: false,
          device: 'Phone',
          location: 'London, United Kingdom',
          ip: '81.2.69.160',
          lastActive: 'just now',
        },
      ]);
      expect(await textOf(windows.page.locator('li.session').nth(0).locator('.session-title p'))).toBe(
        'Chrome 124 · Windows 10',
      );
      // "Last active" is relative, with the exact time in the tooltip.
      const lastActive = windows.page
        .locator('li.session')
        .nth(1)
        .locator('.fact', { hasText: 'Last active' })
        .locator('time');
      expect(await textOf(lastActive)).toBe('just now');
      expect(await lastActive.getAttribute('title')).toMatch(/^\d{1,2} \w+ 20\d\d at \d\d:\d\d:\d\d/);

      await iphone.page.reload();
      expect((await cardsOf(iphone.page)).map((card) => [card.title, card.thisDevice])).toEqual([
        ['Safari on iPhone', true],
        ['Chrome on Windows', false],
      ]);
      expect(await textOf(windows.page.locator('.count'))).toBe('2 active sessions');
    },
    STEP_TIMEOUT,
  );

  it(
    'renders the sessions page as a product page (screenshots)',
    async () => {
      tablet = await open(CHROME_ANDROID_TABLET, '2001:218::1');
      await signIn(tablet, 'alice');
      // Let time pass for the other two devices (as if signed in days ago), straight in the table.
      const hours = (count: number) => new Date(Date.now() - count * 3600_000);
      const sessions = sample.dataSource.getRepository(QSession);
      await sessions.update(await sessionIdOf(iphone), { createdAt: hours(26), updatedAt: hours(5 / 60) });
      await sessions.update(await sessionIdOf(tablet), { createdAt: hours(72), updatedAt: hours(2) });
      await windows.page.reload();
      expect(
        (await cardsOf(windows.page)).map((card) => [card.title, card.device, card.location, card.lastActive]),
      ).toEqual([
        ['Chrome on Windows', 'Desktop', 'Linköping, Sweden', 'Active now'],
        ['Safari on iPhone', 'Phone', 'London, United Kingdom', '5 minutes ago'],
        ['Chrome on Android', 'Tablet', 'Japan', '2 hours ago'],
      ]);
      // Every card has its device icon, and the stylesheet applied (cards side by side on a desktop).
      expect(await windows.page.locator('li.session .device-icon svg').count()).toBe(3);
      const [first, second] = await Promise.all(
        [0, 1].map((index) => windows.page.locator('li.session').nth(index).boundingBox()),
      );
      expect(second!.x).toBeGreaterThan(first!.x + first!.width);
      // Full page, 1280 wide; a short viewport so that the picture ends where the page does.
      await windows.page.setViewportSize({ width: 1280, height: 640 });
      await windows.page.screenshot({ path: join(SCREENSHOTS, 'sessions.png'), fullPage: true });
      await windows.page.setViewportSize(DESKTOP);
      mkdirSync(join(ROOT, 'docs'), { recursive: true });
      copyFileSync(join(SCREENSHOTS, 'sessions.png'), DOCS_SCREENSHOT);
      // On a phone the cards stack.
      await iphone.page.reload();
      const [top, below] = await Promise.all(
        [0, 1].map((index) => iphone.page.locator('li.session').nth(index).boundingBox()),
      );
      expect(below!.y).toBeGreaterThan(top!.y + top!.height);
      await iphone.page.screenshot({ path: join(SCREENSHOTS, 'sessions-phone.png'), fullPage: true });
    },
    STEP_TIMEOUT,
  );

  it(
    'signs out another device, whose sessions page moves to the sign-in form by itself, saying why',
    async () => {
      // The phone shows its sessions page, and nobody touches it from here on.
      expect(new URL(iphone.page.url()).pathname).toBe('/sessions');
      await watching(iphone.page);
      const card = windows.page.locator('li.session', { hasText: 'Safari on iPhone' });
      await submit(windows.page, card.getByRole('button', { name: 'Sign out' }));
      expect(await textOf(windows.page.locator('.flash-success'))).toBe(
        'Signed out Safari on iPhone in London, United Kingdom.',
      );
      expect((await cardsOf(windows.page)).map((each) => each.title)).toEqual([
        'Chrome on Windows',
        'Chrome on Android',
      ]);

      const moved = await movedToSignIn(iphone.page);
      expect(moved.search).toBe('?ended=revoke');
      expect(await textOf(iphone.page.locator('.flash-info'))).toBe('You were signed out on another device.');
      await iphone.page.screenshot({ path: join(SCREENSHOTS, 'signed-out-elsewhere.png'), fullPage: true });
      // The signing-out device stays where it is.
      await watching(windows.page);
      expect(new URL(windows.page.url()).pathname).toBe('/sessions');
    },
    STEP_TIMEOUT,
  );

  it(
    'keeps a page whose socket drops for another reason (network, restart) and connects it again',
    async () => {
      const { page } = windows;
      await watching(page);
      // A mark on this document: a page that moved (even back to /sessions) loses it.
      await page.evaluate('window.untouched = true');
      // Every connection of /live cut, as a network failure or a restarting server does (1006).
      for (const client of sample.app.get(LiveGateway).server.clients) client.terminate();
      await page.locator('html:not([data-live="watching"])').waitFor({ state: 'attached' });
      // After a pause the script connects again; the page stays.
      await watching(page);
      expect(await page.evaluate('window.untouched')).toBe(true);
      expect(new URL(page.url()).pathname).toBe('/sessions');
      expect(await textOf(page.locator('.count'))).toBe('2 active sessions');
    },
    STEP_TIMEOUT,
  );

  it(
    'signs this device out with its own Sign out button: a plain sign-out, not news from elsewhere',
    async () => {
      const device = await open(FIREFOX_MAC, null);
      await signIn(device, 'bob');
      const { page } = device;
      await watching(page);
      // Its session ends while the form is being sent, and the socket closes (4001, logout) before
      // the answer comes: the page, being left, lets the form's answer decide where it goes.
      await submit(page, page.locator('header').getByRole('button', { name: 'Sign out' }));
      expect(page.url()).toBe(`${sample.url}/login?signedOut=1`);
      expect(await textOf(page.locator('.flash-info'))).toBe('You have been signed out.');
    },
    STEP_TIMEOUT,
  );

  it(
    'rejects a POST without or with a wrong CSRF token (403), and it changes nothing',
    async () => {
      // Straight requests with this browser's cookie.
      const none = await windows.context.request.post('/sessions/revoke-others', { form: {} });
      expect(none.status()).toBe(403);
      const wrong = await windows.context.request.post('/sessions/revoke-others', { form: { _csrf: 'forged-token' } });
      expect(wrong.status()).toBe(403);
      expect(await wrong.text()).toContain('This form has expired');

      // The real form, with its token replaced.
      await windows.page.goto('/sessions');
      await windows.page.evaluate(
        "document.querySelector('form[action=\"/sessions/revoke-others\"] input[name=_csrf]').value = 'forged-token'",
      );
      const response = await submit(
        windows.page,
        windows.page.getByRole('button', { name: 'Sign out all other sessions' }),
      );
      expect(response.status()).toBe(403);
      expect(await windows.page.getByRole('heading', { name: 'This form has expired' }).isVisible()).toBe(true);

      // A form on another site, even with the right token: the SameSite=Lax cookie is not sent
      // with a cross-site POST, so the request has no session, hence no token to match.
      await windows.page.goto('/sessions');
      const token = await windows.page.locator('input[name=_csrf]').first().getAttribute('value');
      const attacker = await windows.context.newPage();
      await attacker.setContent(
        `<form method="post" action="${sample.url}/sessions/revoke-others">` +
          `<input type="hidden" name="_csrf" value="${token}"><button>Win a prize</button></form>`,
      );
      const crossSite = await submit(attacker, attacker.getByRole('button', { name: 'Win a prize' }));
      expect(crossSite.status()).toBe(403);
      await attacker.close();

      // Nothing changed: both sessions are still there.
      await windows.page.reload();
      expect((await cardsOf(windows.page)).map((card) => card.title)).toEqual([
        'Chrome on Windows',
        'Chrome on Android',
      ]);
      await tablet.page.reload();
      expect(new URL(tablet.page.url()).pathname).toBe('/sessions');
    },
    STEP_TIMEOUT,
  );

  it(
    'gives a non-staff user a 403 page on /admin/sessions',
    async () => {
      const bob = await open(EDGE_WINDOWS, null);
      await signIn(bob, 'bob');
      expect(await bob.page.getByRole('link', { name: 'Admin' }).count()).toBe(0);
      const response = await bob.page.goto('/admin/sessions');
      expect(response!.status()).toBe(403);
      expect(await bob.page.getByRole('heading', { name: "You don't have access to this page" }).isVisible()).toBe(
        true,
      );
      expect(await bob.page.locator('table').count()).toBe(0);
    },
    STEP_TIMEOUT,
  );

  it(
    'lets the admin find sessions by username and IP, filter them, and revoke one, signing that browser out',
    async () => {
      // An expired session to filter on: a visitor's cart from yesterday (the sign-in form itself
      // stores no session, so none is left by the browsers above).
      const yesterday = new Date(Date.now() - 24 * 3600_000);
      await sample.dataSource.getRepository(QSession).insert({
        sessionKey: createHash('sha256').update(randomBytes(32)).digest('hex'),
        sessionData: '{"cart":["book"]}',
        expireDate: new Date(Date.now() - 3600_000),
        userId: null,
        userAgent: SAFARI_IPHONE,
        ip: '81.2.69.160',
        createdAt: yesterday,
        updatedAt: yesterday,
      });

      const admin = await open(FIREFOX_MAC, '216.160.83.56');
      await signIn(admin, 'admin');
      const { page } = admin;
      await submit(page, page.getByRole('link', { name: 'Admin' }));
      expect(new URL(page.url()).pathname).toBe('/admin/sessions');
      expect(await page.getByRole('heading', { name: 'All sessions' }).isVisible()).toBe(true);
      const listed = await adminRows(page).allInnerTexts();
      expect(listed.some((row) => row.includes('@alice') && row.includes('Linköping, Sweden'))).toBe(true);
      expect(listed.some((row) => row.includes('@alice') && row.includes('Japan'))).toBe(true);
      expect(listed.some((row) => row.includes('@bob') && row.includes('Unknown location'))).toBe(true);
      expect(listed.some((row) => row.includes('Expired'))).toBe(false);

      // Search by username.
      await page.getByLabel('Search').fill('alice');
      await submit(page, page.getByRole('button', { name: 'Filter' }));
      expect(page.url()).toBe(`${sample.url}/admin/sessions?q=alice&status=active`);
      const alice = await adminRows(page).allInnerTexts();
      expect(alice).toHaveLength(2);
      for (const row of alice) expect(row).toContain('@alice');

      // Search by IP address.
      await page.getByLabel('Search').fill('89.160.20.112');
      await submit(page, page.getByRole('button', { name: 'Filter' }));
      const byIp = await adminRows(page).allInnerTexts();
      expect(byIp).toHaveLength(1);
      expect(byIp[0]).toMatch(/Alice Andersson\s+@alice\s+89\.160\.20\.112\s+Linköping, Sweden\s+Chrome on Windows/);

      // The status filter.
      await page.getByLabel('Search').fill('');
      await page.getByLabel('Status').selectOption('expired');
      await submit(page, page.getByRole('button', { name: 'Filter' }));
      expect(page.url()).toBe(`${sample.url}/admin/sessions?q=&status=expired`);
      const expired = await adminRows(page).allInnerTexts();
      expect(expired.length).toBeGreaterThan(0);
      for (const row of expired) expect(row).toContain('Expired');
      expect(await page.locator('tbody').getByRole('button', { name: 'Revoke' }).count()).toBe(0);

      await page.getByLabel('Status').selectOption('all');
      await submit(page, page.getByRole('button', { name: 'Filter' }));
      expect(await adminRows(page).count()).toBe(expired.length + listed.length);
      await page.screenshot({ path: join(SCREENSHOTS, 'admin.png'), fullPage: true });

      // Revoke the Windows session: the admin stays on the same search, and that browser is out.
      await watching(windows.page);
      await page.goto('/admin/sessions?q=89.160.20.112');
      await submit(page, adminRows(page).first().getByRole('button', { name: 'Revoke' }));
      expect(page.url()).toBe(`${sample.url}/admin/sessions?q=89.160.20.112`);
      expect(await textOf(page.locator('.flash-success'))).toBe(
        'Revoked the session of alice (Chrome on Windows, 89.160.20.112).',
      );
      expect(await adminRows(page).count()).toBe(0);
      expect((await movedToSignIn(windows.page)).search).toBe('?ended=admin');
      expect(await textOf(windows.page.locator('.flash-info'))).toBe('An administrator signed you out.');
      // The tablet's session was not touched.
      await tablet.page.reload();
      expect((await cardsOf(tablet.page)).map((card) => [card.title, card.thisDevice])).toEqual([
        ['Chrome on Android', true],
      ]);
    },
    STEP_TIMEOUT,
  );
  it(
    'names a device on its card, and shows why a name is refused',
    async () => {
      const { page } = tablet;
      await page.goto('/sessions');
      const card = page.locator('li.session', { hasText: 'Chrome on Android' });
      await card.getByLabel('Device name').fill('Kitchen tablet');
      await submit(page, card.getByRole('button', { name: 'Rename' }));
      expect(await textOf(page.locator('.flash-success'))).toBe('Renamed the session to “Kitchen tablet”.');
      const named = page.locator('li.session').first();
      expect(await textOf(named.locator('h2'))).toBe('Kitchen tablet');
      // The device is still named under it.
      expect(await textOf(named.locator('.session-title p'))).toBe('Chrome on Android · Chrome 124 · Android 14');
      expect(await named.getByLabel('Device name').inputValue()).toBe('Kitchen tablet');

      // The field takes 64 characters; without that limit (a script, an old browser) the server says why.
      await page.evaluate(
        "document.querySelectorAll('input[name=label]').forEach((input) => input.removeAttribute('maxlength'))",
      );
      await named.getByLabel('Device name').fill('x'.repeat(65));
      await submit(page, named.getByRole('button', { name: 'Rename' }));
      expect(await textOf(page.locator('.flash-error'))).toBe(
        'A device name can be at most 64 characters long; this one has 65.',
      );
      expect(await textOf(page.locator('li.session').first().locator('h2'))).toBe('Kitchen tablet');
    },
    STEP_TIMEOUT,
  );

  it(
    "shows the OS that the browser's Client Hints report, not its frozen User-Agent (clientHints: true)",
    async () => {
      // Chrome on macOS 14, whose User-Agent says 10.15.7 like every Mac's: the real version comes
      // only in Sec-CH-UA-Platform-Version, which Chromium sends once the app asked (Accept-CH).
      const mac = await open(CHROME_MAC, '216.160.83.56', DESKTOP, sample.url, MAC_14);
      const first = await mac.page.goto('/login');
      expect(first!.headers()['accept-ch']).toBe(
        'Sec-CH-UA-Platform-Version, Sec-CH-UA-Model, Sec-CH-UA-Full-Version-List',
      );
      await signIn(mac, 'bob');
      const card = mac.page.locator('li.session.current');
      expect(await textOf(card.locator('h2'))).toBe('Chrome on macOS 14');
      expect(await textOf(card.locator('.session-title p'))).toBe('Chrome 124 · macOS 14');
      const sessions = sample.dataSource.getRepository(QSession);
      const row = await sessions.findOneByOrFail({ sessionKey: await sessionIdOf(mac) });
      expect(JSON.parse(row.clientHints!)).toEqual({
        platform: 'macOS',
        platformVersion: '14.2.1',
        model: '',
        mobile: false,
        brands: [
          { brand: 'Chromium', version: '124.0.6367.91' },
          { brand: 'Google Chrome', version: '124.0.6367.91' },
        ],
      });

      // This Chromium as it is, on Linux: it sends the platform, and its full version (the
      // User-Agent has only the major one) once asked; Chromium on Linux tells no platform version.
      const linux = await open(null, null);
      await signIn(linux, 'bob');
      const own = await sessions.findOneByOrFail({ sessionKey: await sessionIdOf(linux) });
      const hints = JSON.parse(own.clientHints!) as { platform: string; brands: Array<{ version: string }> };
      expect(hints).toMatchObject({ platform: 'Linux', platformVersion: '', mobile: false });
      const major = /(?:Headless)?Chrome\/(\d+)\.0\.0\.0/.exec(own.userAgent!)![1]!;
      expect(hints.brands.map((brand) => brand.version)).toContainEqual(
        expect.stringMatching(new RegExp(`^${major}\\.0\\.[1-9]\\d*\\.\\d+$`)),
      );
      const device = own.device();
      expect(device.os).toEqual({ name: 'Linux', version: null, versionFromClientHints: false });
      expect(device.browser.version).toMatch(new RegExp(`^${major}\\.0\\.[1-9]`));
      const current = linux.page.locator('li.session.current');
      expect(await textOf(current.locator('h2'))).toBe('Chrome Headless on Linux');
      expect(await textOf(current.locator('.session-title p'))).toBe(`Chrome Headless ${major} · Linux`);
      // The Mac's card, seen from the other device, reads the same.
      expect(await textOf(linux.page.locator('li.session', { hasText: 'Chrome on macOS 14' }).locator('h2'))).toBe(
        'Chrome on macOS 14',
      );
    },
    STEP_TIMEOUT,
  );

  describe('changing the password, behind step-up', () => {
    // The library's clock, moved forward to let the five-minute window pass without waiting.
    const clock = new TestClock();
    let own: RunningSample;

    beforeAll(async () => {
      own = await startSample({ SAMPLE_SQLITE_PATH: ':memory:', SAMPLE_RESET: '1', PORT: '0' }, { clock });
    }, STEP_TIMEOUT);
    afterAll(() => own?.close(), STEP_TIMEOUT);

    it(
      'opens at once after sign-in, asks for the password after five minutes, and signs out the other devices',
      async () => {
        const laptop = await open(FIREFOX_MAC, null, DESKTOP, own.url);
        const phone = await open(SAFARI_IPHONE, null, PHONE, own.url);
        await signIn(laptop, 'bob');
        await signIn(phone, 'bob');
        await watching(phone.page);
        const { page } = laptop;

        // Just signed in: the page opens at once.
        await submit(page, page.getByRole('link', { name: 'Change password' }));
        expect(new URL(page.url()).pathname).toBe('/account/password');
        expect(await page.getByRole('heading', { name: 'Change password' }).isVisible()).toBe(true);

        // Six minutes later: the current password first.
        clock.advance(6 * 60_000);
        await page.goto('/sessions');
        await submit(page, page.getByRole('link', { name: 'Change password' }));
        expect(page.url()).toBe(`${own.url}/account/confirm?next=/account/password`);
        expect(await page.getByRole('heading', { name: "Confirm it's you" }).isVisible()).toBe(true);
        await page.getByLabel('Current password').fill('not-the-password');
        const refused = await submit(page, page.getByRole('button', { name: 'Confirm' }));
        expect(refused.status()).toBe(401);
        expect(await textOf(page.locator('.flash-error'))).toBe('Incorrect password.');
        await page.getByLabel('Current password').fill('bob-password');
        await submit(page, page.getByRole('button', { name: 'Confirm' }));
        expect(new URL(page.url()).pathname).toBe('/account/password');

        await page.getByLabel('New password', { exact: true }).fill('correct horse battery');
        await page.getByLabel('Repeat the new password').fill('correct horse battery');
        await page.screenshot({ path: join(SCREENSHOTS, 'change-password.png'), fullPage: true });
        await submit(page, page.getByRole('button', { name: 'Change password' }));
        expect(new URL(page.url()).pathname).toBe('/sessions');
        expect(await textOf(page.locator('.flash-success'))).toBe('Password changed. Signed out 1 other session.');
        expect((await cardsOf(page)).map((card) => card.title)).toEqual(['Firefox on macOS']);

        // The phone is out at once (its page moved by itself), and only the new password signs in.
        expect((await movedToSignIn(phone.page)).search).toBe('?ended=password-changed');
        expect(await textOf(phone.page.locator('.flash-info'))).toBe(
          'Your password was changed on another device. Sign in with the new one.',
        );
        await phone.page.getByLabel('Username').fill('bob');
        await phone.page.getByLabel('Password').fill('bob-password');
        const old = await submit(phone.page, phone.page.getByRole('button', { name: 'Sign in' }));
        expect(old.status()).toBe(401);
        await signIn(phone, 'bob', 'correct horse battery');
      },
      STEP_TIMEOUT,
    );
  });

  describe('new-sign-in e-mails (a real SMTP server), the security activity, and why a device was signed out', () => {
    const catcher = new MailCatcher();
    let own: RunningSample;
    let laptop: Device;
    let phone: Device;

    beforeAll(async () => {
      await catcher.start();
      own = await startSample({
        SAMPLE_SQLITE_PATH: ':memory:',
        SAMPLE_RESET: '1',
        GEOIP_PATH: GEOIP_FIXTURES,
        SAMPLE_TRUST_PROXY: 'loopback',
        PORT: '0',
        SAMPLE_SMTP_URL: catcher.url,
      });
    }, STEP_TIMEOUT);
    afterAll(async () => {
      await own?.close();
      await catcher.stop();
    }, STEP_TIMEOUT);

    /** The titles of the activity entries, badges included ("Signed in New device"). */
    const entriesOf = async (page: Page) =>
      (await page.locator('li.activity-item h2').allInnerTexts()).map((title) => title.replace(/\s+/g, ' ').trim());

    it(
      'e-mails a sign-in from a new device; the link, confirmed in a third browser, signs that device out',
      async () => {
        laptop = await open(CHROME_WINDOWS, '89.160.20.112', DESKTOP, own.url);
        phone = await open(SAFARI_IPHONE, '81.2.69.160', PHONE, own.url);
        await signIn(laptop, 'alice');
        await signIn(phone, 'alice');
        const mail = await catcher.nth(1);
        await own.app.get(NewSignInAlerts).whenSent();
        // One e-mail, about the phone: the first sign-in of the account is new in nothing.
        expect(catcher.mails).toHaveLength(1);
        expect(mail.recipients).toEqual(['alice@example.com']);
        expect(mail.text).toContain('Safari on iPhone');
        expect(mail.text).toContain('London, United Kingdom');
        const link = notMeLinkOf(mail);
        expect(link.origin).toBe(own.url);

        // The mail reader's browser: opening the link changes nothing by itself.
        const reader = await open(FIREFOX_MAC, null, DESKTOP, own.url);
        await reader.page.goto(`${link.pathname}${link.search}`);
        expect(await reader.page.getByRole('heading', { name: "Wasn't you?" }).isVisible()).toBe(true);
        await phone.page.reload();
        expect(new URL(phone.page.url()).pathname).toBe('/sessions');
        await watching(phone.page);
        await reader.page.screenshot({ path: join(SCREENSHOTS, 'not-me.png'), fullPage: true });

        const confirmed = await submit(reader.page, reader.page.getByRole('button', { name: 'Sign out that device' }));
        expect(confirmed.status()).toBe(200);
        expect(await textOf(reader.page.locator('.flash-success'))).toBe(
          'That device is signed out. Change your password.',
        );

        // The phone's page moves to the sign-in form, saying why.
        expect((await movedToSignIn(phone.page)).search).toBe('?ended=revoke-link');
        expect(await textOf(phone.page.locator('.flash-info'))).toBe(
          'This device was signed out from a security e-mail.',
        );
        // The laptop was not touched.
        await laptop.page.reload();
        expect(new URL(laptop.page.url()).pathname).toBe('/sessions');
      },
      STEP_TIMEOUT,
    );

    it(
      'shows the security activity, newest first, as rows on a desktop and stacked on a phone',
      async () => {
        const { page } = laptop;
        await submit(page, page.getByRole('link', { name: 'Security activity' }));
        expect(new URL(page.url()).pathname).toBe('/account/activity');
        expect(await page.getByRole('heading', { name: 'Security activity' }).isVisible()).toBe(true);
        expect(await entriesOf(page)).toEqual([
          'Signed out from an e-mail link',
          'Signed in New device New location',
          'Signed in This device',
        ]);
        const newest = page.locator('li.activity-item').first();
        expect(await textOf(newest.locator('.activity-what p'))).toBe('Safari on iPhone · Safari 17 · iOS 17.4');
        expect(await textOf(newest.locator('.activity-facts'))).toMatch(
          // The labels are shown in capitals (CSS), the words are these.
          /^Location\s+London, United Kingdom\s+IP address\s+81\.2\.69\.160\s+When\s+\d{1,2} \w{3} 20\d\d, \d\d:\d\d \(just now\)$/i,
        );
        // A row on a desktop: the facts beside what happened.
        const [what, facts] = await Promise.all([
          newest.locator('.activity-what').boundingBox(),
          newest.locator('.activity-facts').boundingBox(),
        ]);
        expect(facts!.x).toBeGreaterThan(what!.x + what!.width);
        await page.setViewportSize({ width: 1280, height: 640 });
        await page.screenshot({ path: join(SCREENSHOTS, 'activity.png'), fullPage: true });
        await page.setViewportSize(DESKTOP);

        // The phone signs in again (a device and a place it already had: no e-mail) and reads it
        // through the navigation, which has a row of its own on a phone.
        await signIn(phone, 'alice');
        await own.app.get(NewSignInAlerts).whenSent();
        expect(catcher.mails).toHaveLength(1);
        const link = phone.page.getByRole('link', { name: 'Security activity' });
        expect(await link.isVisible()).toBe(true);
        await submit(phone.page, link);
        expect((await entriesOf(phone.page))[0]).toBe('Signed in This device');
        const row = phone.page.locator('li.activity-item').first();
        const [top, below] = await Promise.all([
          row.locator('.activity-what').boundingBox(),
          row.locator('.activity-facts').boundingBox(),
        ]);
        expect(below!.y).toBeGreaterThanOrEqual(top!.y + top!.height);
        const width = await phone.page.evaluate('document.documentElement.scrollWidth');
        expect(width).toBeLessThanOrEqual(PHONE.width);
        await phone.page.screenshot({ path: join(SCREENSHOTS, 'activity-phone.png'), fullPage: true });
      },
      STEP_TIMEOUT,
    );

    it(
      'tells a device signed out from the sessions page why, once, moving it to the sign-in form',
      async () => {
        // The phone shows its security activity.
        expect(new URL(phone.page.url()).pathname).toBe('/account/activity');
        await watching(phone.page);
        const { page } = laptop;
        await page.goto('/sessions');
        const card = page.locator('li.session', { hasText: 'Safari on iPhone' });
        await submit(page, card.getByRole('button', { name: 'Sign out' }));
        expect(await textOf(page.locator('.flash-success'))).toBe(
          'Signed out Safari on iPhone in London, United Kingdom.',
        );

        expect((await movedToSignIn(phone.page)).search).toBe('?ended=revoke');
        expect(await textOf(phone.page.locator('.flash-info'))).toBe('You were signed out on another device.');
        // Said once: the cookie is gone, and the form shown again says nothing.
        await phone.page.goto('/sessions');
        expect(new URL(phone.page.url()).pathname + new URL(phone.page.url()).search).toBe('/login');
        await phone.page.goto('/login');
        expect(await phone.page.locator('.flash-info').count()).toBe(0);

        await page.goto('/account/activity');
        expect((await entriesOf(page))[0]).toBe('Signed out from another device');
      },
      STEP_TIMEOUT,
    );
  });

  describe('at the session limit, with onSessionLimit: refuse', () => {
    let limited: RunningSample;

    beforeAll(async () => {
      limited = await startSample({
        SAMPLE_SQLITE_PATH: ':memory:',
        SAMPLE_RESET: '1',
        GEOIP_PATH: GEOIP_FIXTURES,
        SAMPLE_TRUST_PROXY: 'loopback',
        PORT: '0',
        SAMPLE_MAX_SESSIONS: '2',
        SAMPLE_ON_SESSION_LIMIT: 'refuse',
      });
    }, STEP_TIMEOUT);
    afterAll(() => limited?.close(), STEP_TIMEOUT);

    it(
      'shows a third device the sessions, and signs it in in place of the one it picks',
      async () => {
        const windows = await open(CHROME_WINDOWS, '89.160.20.112', DESKTOP, limited.url);
        const iphone = await open(SAFARI_IPHONE, '81.2.69.160', PHONE, limited.url);
        const mac = await open(FIREFOX_MAC, '216.160.83.56', DESKTOP, limited.url);
        await signIn(windows, 'alice');
        await signIn(iphone, 'alice');
        await watching(windows.page);

        const { page } = mac;
        await page.goto('/login');
        await page.getByLabel('Username').fill('alice');
        await page.getByLabel('Password').fill('alice-password');
        const refused = await submit(page, page.getByRole('button', { name: 'Sign in' }));
        expect(refused.status()).toBe(409);
        expect(await page.getByRole('heading', { name: 'You are signed in on 2 devices' }).isVisible()).toBe(true);
        const items = page.locator('li.limit-item');
        expect(await items.count()).toBe(2);
        const windowsItem = items.filter({ hasText: 'Chrome on Windows' });
        expect(await textOf(windowsItem)).toContain('Linköping, Sweden');
        expect(await textOf(windowsItem)).toContain('Last active');
        await page.screenshot({ path: join(SCREENSHOTS, 'session-limit.png'), fullPage: true });

        await submit(page, windowsItem.getByRole('button', { name: 'Sign out this one and sign in here' }));
        expect(new URL(page.url()).pathname).toBe('/sessions');
        expect(await textOf(page.locator('.flash-info'))).toBe('Signed out Chrome on Windows in Linköping, Sweden.');
        expect((await cardsOf(page)).map((card) => [card.title, card.thisDevice])).toEqual([
          ['Firefox on macOS', true],
          ['Safari on iPhone', false],
        ]);

        expect((await movedToSignIn(windows.page)).search).toBe('?ended=limit');
        expect(await textOf(windows.page.locator('.flash-info'))).toBe(
          'You were signed out because your account signed in on too many devices.',
        );
        await iphone.page.reload();
        expect(new URL(iphone.page.url()).pathname).toBe('/sessions');
      },
      STEP_TIMEOUT,
    );
  });
  describe('the sessions admin on a phone', () => {
    // The longest address there is, to be sure that even it wraps inside a card.
    const LONG_IPV6 = '2001:db8:85a3:1234:5678:8a2e:370:7334';
    let own: RunningSample;
    let admin: Device;

    beforeAll(async () => {
      own = await startSample({
        SAMPLE_SQLITE_PATH: ':memory:',
        SAMPLE_RESET: '1',
        GEOIP_PATH: GEOIP_FIXTURES,
        SAMPLE_TRUST_PROXY: 'loopback',
        PORT: '0',
      });
    }, STEP_TIMEOUT);
    afterAll(() => own?.close(), STEP_TIMEOUT);

    // The test's TypeScript has no DOM types: what runs in the page is written as expressions.
    /** How wide the page is laid out, and the viewport: a wider page scrolls sideways. */
    async function pageWidth(page: Page): Promise<{ scrollWidth: number; innerWidth: number }> {
      const [scrollWidth, innerWidth] = await page.evaluate<[number, number]>(
        '[document.documentElement.scrollWidth, window.innerWidth]',
      );
      return { scrollWidth, innerWidth };
    }

    /**
     * Expects `locator` wholly on screen once the page is scrolled down to it, with the page not
     * scrolled sideways. Only the page scrolls, and only vertically: Playwright's own scrolling
     * (scrollIntoView) would also scroll the table's sideways scroll box, and hide what is tested.
     */
    async function expectOnScreen(page: Page, locator: Locator): Promise<void> {
      const [innerWidth, innerHeight] = await page.evaluate<[number, number]>(
        '[window.innerWidth, window.innerHeight]',
      );
      const before = (await locator.boundingBox())!;
      await page.evaluate(`window.scrollBy(0, ${Math.round(before.y - innerHeight / 2)})`);
      const box = (await locator.boundingBox())!;
      expect(await page.evaluate<number>('window.scrollX')).toBe(0);
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(innerWidth);
      expect(box.y).toBeGreaterThanOrEqual(0);
      expect(box.y + box.height).toBeLessThanOrEqual(innerHeight);
    }

    it(
      'shows each session as a card whose Revoke button is on screen at 390 px, and revokes from there',
      async () => {
        const bob = await open(EDGE_WINDOWS, LONG_IPV6, DESKTOP, own.url);
        await signIn(bob, 'bob');
        await watching(bob.page);
        admin = await open(SAFARI_IPHONE, '81.2.69.160', PHONE, own.url);
        await signIn(admin, 'admin');
        const { page } = admin;
        await page.goto('/admin/sessions');
        expect(await page.evaluate('[window.innerWidth, window.innerHeight]')).toEqual([PHONE.width, PHONE.height]);

        // Nothing is wider than the screen: no sideways scrolling, of the page or of the table.
        const { scrollWidth, innerWidth } = await pageWidth(page);
        expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
        const bobRow = page.locator(`tr[data-session-id="${await sessionIdOf(bob)}"]`);
        expect(await textOf(bobRow)).toMatch(
          new RegExp(`^Bob Brown\\s+@bob\\s+${LONG_IPV6}\\s+Unknown location\\s+Edge on Windows`),
        );
        // Its Revoke button, which names the session it ends, is on screen without scrolling sideways.
        const revoke = bobRow.getByRole('button', { name: 'Revoke the session of @bob on Edge on Windows' });
        expect(await revoke.isVisible()).toBe(true);
        await expectOnScreen(page, revoke);
        for (const cell of await bobRow.locator('td').all()) {
          const box = (await cell.boundingBox())!;
          expect(box.x).toBeGreaterThanOrEqual(0);
          expect(box.x + box.width).toBeLessThanOrEqual(innerWidth);
        }
        // A card: the fields stack under the user, each value beside its label (the cell's data-label).
        const [user, ip, location, address] = await Promise.all(
          ['td.user', 'td.ip', 'td.location', 'td.ip code'].map((cell) => bobRow.locator(cell).boundingBox()),
        );
        expect(ip!.y).toBeGreaterThanOrEqual(user!.y + user!.height);
        expect(location!.y).toBeGreaterThanOrEqual(ip!.y + ip!.height);
        expect(await bobRow.locator('td.ip').getAttribute('data-label')).toBe('IP address');
        expect(address!.x).toBeGreaterThan(ip!.x + 80);
        // The header row is out of sight but still names every column for screen readers.
        expect(await page.getByRole('columnheader').count()).toBe(9);
        expect((await page.locator('thead').boundingBox())!.width).toBeLessThanOrEqual(1);

        // Everything fits on one page: no pages bar at all.
        expect(await page.locator('.pagination').count()).toBe(0);
        expect(await page.getByRole('navigation', { name: 'Pages' }).count()).toBe(0);
        await page.screenshot({ path: join(SCREENSHOTS, 'admin-phone.png'), fullPage: true });

        await submit(page, revoke);
        expect(await textOf(page.locator('.flash-success'))).toBe(
          `Revoked the session of bob (Edge on Windows, ${LONG_IPV6}).`,
        );
        expect(await bobRow.count()).toBe(0);
        expect(await adminRows(page).count()).toBe(1);
        expect((await movedToSignIn(bob.page)).search).toBe('?ended=admin');
      },
      STEP_TIMEOUT,
    );

    it(
      'shows the pages bar only when the sessions fill more than one page, on screen on a phone',
      async () => {
        // Enough sessions of bob's to make one session more than a page holds.
        const bob = await own.dataSource.getRepository(User).findOneByOrFail({ username: 'bob' });
        const now = Date.now();
        const sessions = own.dataSource.getRepository(QSession);
        const keys = Array.from({ length: ADMIN_PAGE_SIZE + 1 - (await sessions.count()) }, () =>
          createHash('sha256').update(randomBytes(32)).digest('hex'),
        );
        await sessions.insert(
          keys.map((sessionKey, index) => ({
            sessionKey,
            sessionData: JSON.stringify({ userId: bob.id }),
            expireDate: new Date(now + 24 * 3600_000),
            userId: bob.id,
            userAgent: CHROME_WINDOWS,
            ip: `10.0.0.${index + 1}`,
            createdAt: new Date(now - 3600_000),
            updatedAt: new Date(now - (index + 1) * 60_000),
          })),
        );
        const { page } = admin;
        await page.goto('/admin/sessions');
        expect(await adminRows(page).count()).toBe(ADMIN_PAGE_SIZE);
        const pager = page.locator('.pagination');
        expect(await pager.count()).toBe(1);
        expect(await textOf(pager.locator('.summary'))).toBe(`1–${ADMIN_PAGE_SIZE} of ${ADMIN_PAGE_SIZE + 1} sessions`);
        const next = pager.getByRole('link', { name: 'Next ›' });
        await expectOnScreen(page, next);
        const { scrollWidth, innerWidth } = await pageWidth(page);
        expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
        await submit(page, next);
        expect(new URL(page.url()).search).toBe('?page=2');
        expect(await adminRows(page).count()).toBe(1);
        expect(await textOf(page.locator('.pagination .summary'))).toBe(
          `${ADMIN_PAGE_SIZE + 1}–${ADMIN_PAGE_SIZE + 1} of ${ADMIN_PAGE_SIZE + 1} sessions`,
        );

        // Exactly one page full: the bar goes again.
        await sessions.delete({ sessionKey: keys[0]! });
        await page.goto('/admin/sessions');
        expect(await adminRows(page).count()).toBe(ADMIN_PAGE_SIZE);
        expect(await page.locator('.pagination').count()).toBe(0);
      },
      STEP_TIMEOUT,
    );

    it(
      'is a real table again on a wide screen, down to the narrowest, its Revoke buttons in view',
      async () => {
        // With the longest address in one row, to be sure that it wraps rather than widen the table.
        const moved = await own.dataSource.getRepository(QSession).update({ ip: '10.0.0.2' }, { ip: LONG_IPV6 });
        expect(moved.affected).toBe(1);
        const { page } = admin;
        for (const width of [DESKTOP.width, ADMIN_CARDS_MAX_WIDTH + 1]) {
          await page.setViewportSize({ width, height: DESKTOP.height });
          await page.goto('/admin/sessions');
          expect(
            await page.evaluate("getComputedStyle(document.querySelector('tbody tr[data-session-id]')).display"),
          ).toBe('table-row');
          expect(await page.getByRole('columnheader', { name: 'IP address' }).isVisible()).toBe(true);
          expect((await page.locator('thead').boundingBox())!.width).toBeGreaterThan(width / 2);
          const { scrollWidth, innerWidth } = await pageWidth(page);
          expect([width, scrollWidth]).toEqual([width, innerWidth]);
          const longest = adminRows(page).filter({ hasText: LONG_IPV6 });
          await expectOnScreen(page, longest.getByRole('button', { name: 'Revoke' }));
        }
        // Content too wide for any layout (made so here): the table scrolls inside its own box,
        // and nothing in it (such as the buttons' visually hidden texts) widens the page.
        await page.addStyleTag({ content: '.admin-table { min-width: 1600px; }' });
        expect(
          await page.evaluate<number>("document.querySelector('.table-scroll').scrollWidth"),
        ).toBeGreaterThanOrEqual(1600);
        const { scrollWidth, innerWidth } = await pageWidth(page);
        expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
      },
      STEP_TIMEOUT,
    );
  });
});
