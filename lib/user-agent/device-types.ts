// The shapes of a parsed User-Agent, apart from the parser so that the labels can use them too.

/** The browser a User-Agent names, as ua-parser-js 1.x calls it (e.g. `Chrome`, `Mobile Safari`, `IE`). */
export interface BrowserInfo {
  readonly name: string | null;
  /** Full version, e.g. `70.0.3538.102`. */
  readonly version: string | null;
  /** Major version, e.g. `70`. */
  readonly major: string | null;
}

/** The operating system, as ua-parser-js 1.x calls it (e.g. `Mac OS`, `Windows`, `iOS`, `Android`). */
export interface OsInfo {
  readonly name: string | null;
  /** e.g. `10.13.6`, or a Windows release name such as `XP` or `8.1`; `14` or `11` from Client Hints. */
  readonly version: string | null;
  /**
   * Whether `version` is what the client's User-Agent Client Hints report (or, for Windows before
   * 10, confirm), so exact. Otherwise it is the User-Agent's, which browsers freeze: every Mac
   * says 10.15.7, Windows 11 says 10. The summary shows the version only when this is true.
   */
  readonly versionFromClientHints: boolean;
}

/** The hardware. */
export interface HardwareInfo {
  /**
   * ua-parser-js's type (`mobile`, `tablet`, `console`, `smarttv`, `wearable`, `embedded`, …),
   * or `desktop` when it names none but the operating system is a desktop one.
   */
  readonly type: string | null;
  /** e.g. `Apple`, `Samsung`. */
  readonly vendor: string | null;
  /** e.g. `iPhone`, `Pixel 3 XL`, `Macintosh`. */
  readonly model: string | null;
}

/** What a User-Agent says about the client of a session. Unknown parts are null. Frozen. */
export interface DeviceInfo {
  readonly browser: BrowserInfo;
  readonly os: OsInfo;
  readonly device: HardwareInfo;
  /**
   * One line for a person, in django-user-sessions' style: `"Chrome on macOS"`, `"Safari on
   * iPhone"` (`"Chrome on macOS 14"`, `"Edge on Windows 11"` when Client Hints gave the OS
   * version), or only the browser or the platform when the other is unknown, else
   * `"Unknown device"`. See {@link summarizeDevice} for a variant with the browser version.
   */
  readonly summary: string;
}
