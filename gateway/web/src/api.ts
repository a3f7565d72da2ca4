// Every call goes through the gateway, same origin. Signed in, the HttpOnly access cookie rides along and the
// gateway turns it into a bearer header; the page never holds the token itself.

export interface Problem {
  status: number;
  title?: string;
  detail?: string;
  errors?: Record<string, string[]>;
}

export class ApiError extends Error {
  readonly status: number;
  readonly title?: string;
  readonly detail?: string;
  readonly fieldErrors: Record<string, string[]>;

  constructor(problem: Problem) {
    super(problem.detail ?? problem.title ?? `Request failed (${problem.status})`);
    this.status = problem.status;
    this.title = problem.title;
    this.detail = problem.detail;
    this.fieldErrors = lowerKeys(problem.errors ?? {});
  }

  /** The message for one field, e.g. "email" or "lineItems[0].unitPrice". */
  field(name: string): string | undefined {
    return this.fieldErrors[name.toLowerCase()]?.[0];
  }

  /** What to tell a person: the problem's detail, or the first field message, or the title. */
  get summary(): string {
    if (this.detail) return this.detail;
    const first = Object.values(this.fieldErrors)[0]?.[0];
    if (first) return first;
    if (this.status === 0) return 'OraServ cannot be reached. Check your connection and try again.';
    return this.title ?? `Something went wrong (${this.status}).`;
  }
}

function lowerKeys(errors: Record<string, string[]>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(errors).map(([k, v]) => [k.toLowerCase(), v]));
}

type Unauthorized = () => void;
let onUnauthorized: Unauthorized = () => {};

/** Called when a signed-in call answers 401 (the session expired or was cleared). */
export function setUnauthorizedHandler(handler: Unauthorized): void {
  onUnauthorized = handler;
}

export async function request<T>(method: string, path: string, body?: unknown, options: { anonymous?: boolean } = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? { Accept: 'application/json' } : { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError({ status: 0 });
  }
  if (response.status === 401 && !options.anonymous) {
    onUnauthorized();
  }
  if (!response.ok) {
    let problem: Problem = { status: response.status };
    try {
      const text = await response.text();
      if (text) problem = { ...JSON.parse(text), status: response.status };
    } catch {
      // Not JSON: keep the status.
    }
    throw new ApiError(problem);
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const get = <T>(path: string) => request<T>('GET', path);
export const post = <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {});
export const put = <T>(path: string, body: unknown) => request<T>('PUT', path, body);

// ---- Accounts (gateway) ----

export type Role = 'owner' | 'dispatcher' | 'technician';

export interface Me {
  userId: string;
  email: string;
  role: Role;
  tenantId: string;
  businessName: string;
  currency: string;
  timeZone: string;
}

export interface UserView {
  id: string;
  email: string;
  role: Role;
  createdAt: string;
  lockedOut: boolean;
}

export interface Invitation {
  id: string;
  email: string;
  role: Role;
  token: string;
  acceptUrl: string;
  expiresAt: string;
}

export const accounts = {
  register: (body: { businessName: string; email: string; password: string; currency?: string; timeZone?: string }) =>
    request<unknown>('POST', '/api/account/register', body, { anonymous: true }),
  login: (email: string, password: string) =>
    request<{ accessToken: string; expiresIn: number }>('POST', '/api/account/login', { email, password }, { anonymous: true }),
  logout: () => request<void>('POST', '/api/account/logout', {}, { anonymous: true }),
  me: () => request<Me>('GET', '/api/account/me', undefined, { anonymous: true }),
  users: () => get<UserView[]>('/api/account/users'),
  invite: (email: string, role: Role) => post<Invitation>('/api/account/users', { email, role }),
  accept: (token: string, password: string) =>
    request<{ email: string }>('POST', '/api/account/invitations/accept', { token, password }, { anonymous: true }),
};

// ---- Jobs ----

export type LineKind = 'labor' | 'material' | 'service' | 'fee';
export type JobStatus = 'scheduled' | 'in_progress' | 'completed' | 'cancelled';

export interface Client {
  id: string;
  firstName: string;
  lastName: string;
  email?: string | null;
  phone?: string | null;
  address?: string | null;
  createdAt: string;
}

export interface LineItem {
  id?: string;
  kind: LineKind;
  description: string;
  quantity: number;
  unitPrice: number;
  taxable: boolean;
  amount?: number;
}

export interface Job {
  id: string;
  clientId: string;
  client?: Client | null;
  title: string;
  status: JobStatus;
  currency: string;
  notes?: string | null;
  lineItems: LineItem[];
  total: number;
  createdAt: string;
  completedAt?: string | null;
}

export const jobs = {
  clients: (search?: string) => get<Client[]>(`/api/clients${search ? `?search=${encodeURIComponent(search)}` : ''}`),
  client: (id: string) => get<Client>(`/api/clients/${id}`),
  createClient: (body: { firstName: string; lastName: string; email?: string; phone?: string; address?: string }) =>
    post<Client>('/api/clients', body),
  list: (status?: JobStatus, clientId?: string) => {
    const query = new URLSearchParams();
    if (status) query.set('status', status);
    if (clientId) query.set('clientId', clientId);
    return get<Job[]>(`/api/jobs${query.size ? `?${query}` : ''}`);
  },
  get: (id: string) => get<Job>(`/api/jobs/${id}`),
  create: (body: { clientId: string; title: string; lineItems: LineItem[] }) => post<Job>('/api/jobs', body),
  complete: (id: string, notes?: string) => post<Job>(`/api/jobs/${id}/complete`, { notes: notes || undefined }),
  start: (id: string) => post<Job>(`/api/jobs/${id}/start`),
  cancel: (id: string) => post<Job>(`/api/jobs/${id}/cancel`),
};

// ---- Invoicing ----

export type InvoiceStatus = 'draft' | 'open' | 'overdue' | 'paid' | 'void';
export type Terms = 'due_on_receipt' | 'net_7' | 'net_15' | 'net_30' | 'net_60';

export interface InvoiceLine {
  kind: string;
  description: string;
  quantity: number;
  unitPrice: number;
  taxable: boolean;
  amount: number;
}

export interface AppliedPayment {
  id: string;
  amount: number;
  method: string;
  reference?: string | null;
  at: string;
}

export interface Invoice {
  id: string;
  number: string | null;
  status: InvoiceStatus;
  jobId: string | null;
  jobTitle: string | null;
  client: { firstName: string; lastName: string; email?: string | null; phone?: string | null; address?: string | null };
  lines: InvoiceLine[];
  subtotal: number;
  taxRate: number;
  tax: number;
  total: number;
  amountPaid: number;
  amountDue: number;
  currency: string;
  terms: string;
  issuedAt: string | null;
  dueDate: string | null;
  payUrl: string | null;
  paidAt: string | null;
  voidedAt: string | null;
  notes: string | null;
  createdAt: string;
  payments: AppliedPayment[];
  /** A chargeback was opened on a payment of the invoice (it stays true once the dispute is decided). */
  disputed: boolean;
  disputedAt: string | null;
  /** Stripe's dispute status: needs_response, under_review, won, lost, ... */
  disputeStatus: string | null;
}

export interface InvoiceSettings {
  businessName: string;
  businessAddress?: string | null;
  businessEmail?: string | null;
  businessPhone?: string | null;
  currency: string;
  timeZone: string;
  invoicePrefix: string;
  nextNumber: number;
  defaultTerms: Terms;
  taxRate: number;
}

/** What GET /api/reports/receivables answers (Invoicing, computed in PostgreSQL). */
export interface Receivables {
  currency: string;
  outstanding: number;
  openCount: number;
  overdue: number;
  overdueCount: number;
  collectedThisWeek: number;
  medianMinutesCompletedToPaid: number | null;
  paidLast90Days: number;
  aging: { days0To30: number; days31To60: number; days61To90: number; days90Plus: number };
}

export const invoicing = {
  list: (status?: InvoiceStatus) => get<Invoice[]>(`/api/invoices${status ? `?status=${status}` : ''}`),
  get: (id: string) => get<Invoice>(`/api/invoices/${id}`),
  invoiceJob: (jobId: string) => post<Invoice>('/api/invoices', { jobId }),
  send: (id: string, body: { terms?: Terms; dueDate?: string }) => post<Invoice>(`/api/invoices/${id}/send`, body),
  void: (id: string) => post<Invoice>(`/api/invoices/${id}/void`),
  remove: (id: string) => request<void>('DELETE', `/api/invoices/${id}`),
  recordPayment: (id: string, body: { amount: number; method: string; reference?: string }) =>
    post<Invoice>(`/api/invoices/${id}/payments`, body),
  pdfUrl: (id: string) => `/api/invoices/${id}/pdf`,
  settings: () => get<InvoiceSettings>('/api/invoices/settings'),
  saveSettings: (body: Partial<InvoiceSettings>) => put<InvoiceSettings>('/api/invoices/settings', body),
  receivables: () => get<Receivables>('/api/reports/receivables'),
};

// ---- Payments ----

export type StripeStatus = 'not_connected' | 'onboarding' | 'active' | 'restricted';

export interface StripeAccount {
  status: StripeStatus;
  accountId: string | null;
  chargesEnabled: boolean;
  payoutsEnabled: boolean;
}

export interface PayView {
  businessName: string;
  /** Also the receipt number once paid. */
  invoiceNumber: string;
  lines: { kind: string; description: string; quantity: number; unitPrice: number; amount: number }[];
  subtotal: number;
  tax: number;
  total: number;
  amountPaid: number;
  amountDue: number;
  currency: string;
  dueDate: string;
  status: 'open' | 'overdue' | 'paid' | 'void';
  canPay: boolean;
  /** When it was paid in full (ISO 8601); null while open or void. */
  paidAt: string | null;
  /** How it was paid, when Payments took the payment: type "card" with brand (visa, mastercard, ...) and last4. */
  paymentMethod: { type: string; brand: string | null; last4: string | null } | null;
  /** The invoice's PDF under the same pay token (GET /api/pay/{token}/pdf). */
  pdfUrl: string;
}

export interface PayIntent {
  clientSecret: string;
  paymentIntentId: string;
  publishableKey: string;
  stripeAccount: string;
  amount: number;
  currency: string;
  testCardFormUrl?: string | null;
}

export const payments = {
  account: () => get<StripeAccount>('/api/payments/stripe/account'),
  connect: () => post<{ onboardingUrl: string }>('/api/payments/stripe/connect'),
  refund: (invoiceId: string, body: { amount?: number; reason?: string }) =>
    post<{ refundId: string; amount: number; status: string }>(`/api/payments/${invoiceId}/refunds`, body),
  payView: (token: string) => request<PayView>('GET', `/api/pay/${encodeURIComponent(token)}`, undefined, { anonymous: true }),
  intent: (token: string) => request<PayIntent>('POST', `/api/pay/${encodeURIComponent(token)}/intent`, {}, { anonymous: true }),
};

// ---- Notifications ----

export interface Message {
  id: string;
  invoiceId: string | null;
  channel: 'email' | 'sms';
  to: string;
  subject?: string | null;
  body?: string | null;
  status: string;
  failureReason?: string | null;
  attempts: number;
  sentAt?: string | null;
  createdAt: string;
}

export const notifications = {
  messages: (invoiceId?: string) => get<Message[]>(`/api/messages${invoiceId ? `?invoiceId=${invoiceId}` : ''}`),
  resend: (invoiceId: string) => post<Message>(`/api/messages/invoices/${invoiceId}/resend`),
};

// ---- Automation ----

export type TriggerEvent = 'invoice.overdue' | 'invoice.due_in' | 'invoice.issued' | 'payment.failed';
export type Channel = 'sms' | 'email';

/** What a rule is saved with; an email's subject is optional (the trigger's default subject when left out). */
export interface RuleInput {
  name: string;
  trigger: { event: TriggerEvent; days: number | null };
  action: { channel: Channel; template: string; subject?: string };
  enabled: boolean;
}

export interface Rule {
  id: string;
  name: string;
  trigger: { event: TriggerEvent; days: number };
  action: { channel: Channel; template: string; subject: string | null };
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

/** A rule's message rendered for one invoice: to is the client's email or phone (null when the client has none). */
export interface RulePreview {
  ruleId: string;
  invoiceId: string;
  channel: Channel;
  to: string | null;
  subject: string | null;
  body: string;
}

export interface Reminder {
  ruleId: string;
  invoiceId: string;
  dueAt: string;
  status: 'pending' | 'sent' | 'skipped' | 'cancelled';
  reason: string | null;
  sentAt: string | null;
}

/** Whether automations leave one client alone; checked when each reminder falls due. */
export interface ClientPreference {
  clientId: string;
  doNotRemind: boolean;
}

export const automations = {
  list: () => get<Rule[]>('/api/automations'),
  get: (id: string) => get<Rule>(`/api/automations/${id}`),
  create: (body: RuleInput) => post<Rule>('/api/automations', body),
  update: (id: string, body: RuleInput) => put<Rule>(`/api/automations/${id}`, body),
  remove: (id: string) => request<void>('DELETE', `/api/automations/${id}`),
  preview: (id: string, invoiceId: string) => post<RulePreview>(`/api/automations/${id}/preview`, { invoiceId }),
  reminders: (invoiceId?: string) => get<Reminder[]>(`/api/automations/reminders${invoiceId ? `?invoiceId=${invoiceId}` : ''}`),
  doNotRemind: (clientId: string) => get<ClientPreference>(`/api/automations/clients/${clientId}/do-not-remind`),
  setDoNotRemind: (clientId: string, doNotRemind: boolean) => put<ClientPreference>(`/api/automations/clients/${clientId}/do-not-remind`, { doNotRemind }),
};
