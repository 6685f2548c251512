import { randomBytes } from 'node:crypto';

/** 32 lower-case hex characters: orgs, spaces, jobs, users, blobs, request ids. */
export const newId32 = (): string => randomBytes(16).toString('hex');
/** 24 lower-case hex characters: asset ids (the SnapLogic `snode_id` shape). */
export const newAssetId = (): string => randomBytes(12).toString('hex');

export const isAssetId = (s: string): boolean => /^[0-9a-f]{24}$/.test(s);
export const isId32 = (s: string): boolean => /^[0-9a-f]{32}$/.test(s);
