/** The console's root path: `~` makes a link absolute, past every nested route's base. */
export const consolePath = (path: string): string => `~/console${path}`;
