import type { TenantScope } from '../protocol/tenant.js';
import type { Database } from './database.js';

export interface Feedback {
  score: 1 | -1;
  text: string | null;
  endUserId: string | null;
  updatedAt: string;
}

/** One feedback per run: a second submission replaces the first. */
export async function upsertFeedback(
  db: Database,
  scope: TenantScope,
  executionId: string,
  feedback: Omit<Feedback, 'updatedAt'>,
  now: string,
): Promise<void> {
  await db
    .insertInto('feedback')
    .values({
      execution_id: executionId,
      tenant_id: scope.tenantId,
      mode: scope.mode,
      score: feedback.score,
      text: feedback.text,
      end_user_id: feedback.endUserId,
      updated_at: now,
    })
    .onConflict((conflict) =>
      conflict
        .column('execution_id')
        .doUpdateSet({ score: feedback.score, text: feedback.text, end_user_id: feedback.endUserId, updated_at: now }),
    )
    .execute();
}

export async function getFeedback(db: Database, scope: TenantScope, executionId: string): Promise<Feedback | null> {
  const row = await db
    .selectFrom('feedback')
    .selectAll()
    .where('execution_id', '=', executionId)
    .where('tenant_id', '=', scope.tenantId)
    .where('mode', '=', scope.mode)
    .executeTakeFirst();
  return row ? { score: row.score as 1 | -1, text: row.text, endUserId: row.end_user_id, updatedAt: row.updated_at } : null;
}
