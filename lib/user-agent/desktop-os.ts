// Operating systems of desktops and laptops: lower-case names as ua-parser-js 1.x reports them.
// Mobile ones (Android, iOS, Windows Phone/Mobile, Ubuntu Touch, ...) are not here, and a device
// type named by ua-parser (console, smarttv, ...) always wins over this guess.
const DESKTOP_OS = new Set([
  'windows',
  'mac os',
  'macos',
  'chromium os',
  'linux',
  'ubuntu',
  'kubuntu',
  'xubuntu',
  'lubuntu',
  'debian',
  'suse',
  'opensuse',
  'gentoo',
  'arch',
  'slackware',
  'fedora',
  'mandriva',
  'centos',
  'pclinuxos',
  'red hat',
  'redhat',
  'zenwalk',
  'linpus',
  'raspbian',
  'deepin',
  'manjaro',
  'elementary os',
  'sabayon',
  'linspire',
  'mint',
  'mageia',
  'vectorlinux',
  'gnu',
  'hurd',
  'dragonfly',
  'haiku',
  'solaris',
  'opensolaris',
  'aix',
  'beos',
  'os/2',
  'amigaos',
  'morphos',
  'openvms',
  'hp-ux',
  'unix',
  'plan 9',
  'minix',
  'risc os',
]);

/** Whether `name` (an OS name as ua-parser-js 1.x reports it) is the OS of a desktop or laptop. */
export function isDesktopOs(name: string): boolean {
  const lower = name.toLowerCase();
  // FreeBSD, OpenBSD, NetBSD, PC-BSD, GhostBSD...
  return DESKTOP_OS.has(lower) || lower.endsWith('bsd');
}
