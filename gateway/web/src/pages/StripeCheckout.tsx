import { useMemo, useState, type FormEvent } from 'react';
import { Elements, ExpressCheckoutElement, PaymentElement, useElements, useStripe } from '@stripe/react-stripe-js';
import { loadStripe } from '@stripe/stripe-js/pure';
import type { PayIntent } from '../api';
import { money } from '../format';
import { Button } from '../components/ui';

interface Props {
  intent: PayIntent;
  returnUrl: string;
  onProcessing: () => void;
  onDeclined: (message: string) => void;
}

/**
 * Stripe's Payment Element and Express Checkout Element (Apple Pay, Google Pay) on the business's connected account:
 * the card details go from the customer's browser to Stripe, never to OraServ.
 */
export default function StripeCheckout({ intent, returnUrl, onProcessing, onDeclined }: Props) {
  const stripe = useMemo(() => loadStripe(intent.publishableKey, { stripeAccount: intent.stripeAccount }), [intent.publishableKey, intent.stripeAccount]);
  return (
    <Elements
      stripe={stripe}
      options={{
        clientSecret: intent.clientSecret,
        appearance: {
          theme: 'stripe',
          variables: { colorPrimary: '#0b6e66', borderRadius: '10px', fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif' },
        },
      }}
    >
      <CheckoutForm intent={intent} returnUrl={returnUrl} onProcessing={onProcessing} onDeclined={onDeclined} />
    </Elements>
  );
}

function CheckoutForm({ intent, returnUrl, onProcessing, onDeclined }: Props) {
  const stripe = useStripe();
  const elements = useElements();
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);

  async function confirm() {
    if (!stripe || !elements) return;
    setBusy(true);
    setMessage(null);
    // Cards confirm here; wallets and bank redirects come back to the pay page with redirect_status.
    const result = await stripe.confirmPayment({ elements, confirmParams: { return_url: returnUrl }, redirect: 'if_required' });
    setBusy(false);
    if (result.error) {
      if (result.error.type === 'card_error') onDeclined(result.error.message ?? 'Your card was declined.');
      else setMessage(result.error.message ?? 'The payment could not be completed.');
      return;
    }
    if (result.paymentIntent && ['succeeded', 'processing', 'requires_capture'].includes(result.paymentIntent.status)) onProcessing();
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    await confirm();
  }

  return (
    <form onSubmit={submit} className="stripe-form">
      <ExpressCheckoutElement onConfirm={() => void confirm()} />
      <PaymentElement options={{ layout: 'tabs' }} />
      {message && (
        <p className="field-error" role="alert">
          {message}
        </p>
      )}
      <Button type="submit" size="lg" className="btn-block btn-pay" busy={busy} disabled={!stripe || !elements}>
        Pay {money(intent.amount, intent.currency.toUpperCase())}
      </Button>
    </form>
  );
}
