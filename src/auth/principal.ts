/** Who is calling: resolved once per request by the dialect's authentication. */
export interface Principal {
  userId: string;
  name: string;
  /** The deployment administrator (the bootstrap admin and whoever it makes admin). */
  isAdmin: boolean;
}
