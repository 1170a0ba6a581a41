/** The accounts the sample app creates at start-up when they are missing (printed in the banner). */
export const DEMO_USERS = [
  { username: 'alice', displayName: 'Alice Andersson', password: 'alice-password', isStaff: false },
  { username: 'bob', displayName: 'Bob Brown', password: 'bob-password', isStaff: false },
  { username: 'admin', displayName: 'Ada Admin', password: 'admin-password', isStaff: true },
] as const;
