/**
 * The query tag: who ran what, readable in Snowflake's QUERY_HISTORY (and by TRY_PARSE_JSON(query_tag)
 * in a dashboard). JSON so each field can be filtered on; Snowflake caps the tag at 2,000 characters.
 */
export interface QueryTagInput {
  readonly runbook: string;
  readonly snippet: string;
  readonly user: string;
  readonly env?: string;
  readonly runId?: string;
}

const MAX_TAG = 2000;
const MAX_FIELD = 300;

export function snowflakeQueryTag(input: QueryTagInput): string {
  const field = (v: string | undefined) => (v === undefined ? undefined : v.slice(0, MAX_FIELD));
  return normalizeQueryTag(
    JSON.stringify({ app: 'opsbook', runbook: field(input.runbook), snippet: field(input.snippet), user: field(input.user), env: field(input.env), run: field(input.runId) }),
  );
}

/** Used when the caller gives no tag, so Opsbook's statements are still findable. */
export const DEFAULT_QUERY_TAG = JSON.stringify({ app: 'opsbook' });

export function normalizeQueryTag(tag: string | undefined): string {
  if (!tag) return DEFAULT_QUERY_TAG;
  return tag.length > MAX_TAG ? tag.slice(0, MAX_TAG) : tag;
}
