/**
 * Cookie headers that must open no session and cost no lookup, around a real key: empty, too
 * long, the key in capitals, a NUL byte, a path, quoted with one character more.
 */
export function hostileCookiesAround(key: string): string[] {
  return [
    'sessionid=',
    `sessionid=${'a'.repeat(8000)}`,
    `sessionid=${key.toUpperCase()}`,
    'sessionid=%00abc',
    `sessionid=../../${key}`,
    `sessionid="${key}x"`,
  ];
}
