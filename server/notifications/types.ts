/**
 * One way to notify: every notification (a check alert, an approval request or decision) is written to
 * the outbox in the state store first, then delivered with retries. Bodies never hold secrets: the URL,
 * routing key and headers come from the configuration when each attempt is made.
 */

export type ChannelKind = 'slack' | 'pagerduty' | 'webhook';

export type NotificationStatus = 'pending' | 'sending' | 'sent' | 'failed';

export interface NewNotification {
  /** Its id, when the sender wants to recognise its delivery later (onSettled); a random one otherwise. */
  readonly id?: string;
  /** A configured channel name (alerts.channels), or `approvals-slack` / `approvals-webhook`. */
  readonly channel: string;
  readonly kind: ChannelKind;
  /** What happened, e.g. `check.error`, `check.resolved`, `approval.requested`. */
  readonly event: string;
  /** One line for the admin list and the log. */
  readonly subject: string;
  /** The JSON body, without secrets (a PagerDuty body gets its routing_key when sent). */
  readonly body: Readonly<Record<string, unknown>>;
}

export interface Notification extends NewNotification {
  readonly id: string;
  readonly status: NotificationStatus;
  readonly attempts: number;
  readonly createdAt: string;
  readonly nextAttemptAt: string | null;
  readonly sentAt: string | null;
  readonly lastError: string | null;
}

export interface DeliveryAttempt {
  readonly notificationId: string;
  readonly attempt: number;
  readonly at: string;
  readonly httpStatus: number | null;
  /** `sent`; `retry` (a later attempt is due); `failed` (given up: a permanent refusal or the last attempt). */
  readonly outcome: 'sent' | 'retry' | 'failed';
  readonly error: string | null;
  /** How long the receiver asked us to wait (429 Retry-After), in ms. */
  readonly retryAfterMs: number | null;
}

/** One attempt's result, told to whoever asked (OutboxDeps.onSettled): a page records the receiver's answer. */
export interface SettledDelivery {
  readonly notificationId: string;
  readonly channel: string;
  readonly kind: ChannelKind;
  readonly event: string;
  readonly attempt: number;
  readonly outcome: DeliveryAttempt['outcome'];
  readonly httpStatus: number | null;
  /** What the receiver answered (its body on success, the error otherwise). */
  readonly answer: string | null;
}

/** GET /api/notifications: newest first, each with its attempts (oldest first). */
export interface NotificationView extends Notification {
  readonly attemptLog: readonly DeliveryAttempt[];
}

/** Where and how a channel delivers, resolved from the configuration at send time. */
export interface ResolvedChannel {
  readonly kind: ChannelKind;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Adds what the stored body leaves out (the PagerDuty routing key). */
  readonly finish: (body: Readonly<Record<string, unknown>>) => Record<string, unknown>;
}
