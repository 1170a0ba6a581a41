import { BadRequestException } from '@nestjs/common';

/** Where a page of history ends: the last entry's time and id (entries are ordered by both). */
export interface HistoryPosition {
  at: number;
  id: number;
}

const CURSOR_SHAPE = /^(\d{1,15})\.(\d{1,15})$/;

/** The opaque `next` cursor of a history page. */
export function encodeHistoryCursor(position: HistoryPosition): string {
  return Buffer.from(`${position.at}.${position.id}`).toString('base64url');
}

/**
 * The position a cursor from {@link encodeHistoryCursor} names. Anything else is a
 * `BadRequestException` (400): cursors come back from clients, in query strings. A cursor only
 * moves within the history it is used on (every query is scoped to its user), so an altered one
 * shows nothing it should not.
 */
export function decodeHistoryCursor(cursor: string): HistoryPosition {
  const text = typeof cursor === 'string' && cursor.length <= 64 ? Buffer.from(cursor, 'base64url').toString() : '';
  const match = CURSOR_SHAPE.exec(text);
  if (!match) throw new BadRequestException('This history cursor is not one that history() returned.');
  return { at: Number(match[1]), id: Number(match[2]) };
}
