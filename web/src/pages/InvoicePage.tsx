import { Alert, Anchor, Button, Group, Loader, Modal, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import {
  discardInvoice,
  getInvoice,
  type Invoice,
  invoicePdf,
  issueInvoice,
  type PaymentMethod,
  payInvoice,
  pdfName,
  voidInvoice,
} from '../billing/api';
import { InvoiceView } from '../billing/InvoiceView';
import { useInvoiceLabels } from '../billing/labels';
import { billingFailure } from '../billing/problems';
import { PdfButton } from '../clinical/PdfButton';
import { ConfirmModal } from '../components/ConfirmModal';
import { notify } from '../notify';

const METHODS: PaymentMethod[] = ['cash', 'card', 'transfer', 'insurance', 'other'];

/** Records a payment: the amount still due is offered; the server refuses more. */
function PaymentForm({ invoice, onDone }: { invoice: Invoice; onDone: (i: Invoice) => void }) {
  const { t } = useTranslation();
  const labels = useInvoiceLabels();
  const [amount, setAmount] = useState(invoice.due);
  const [method, setMethod] = useState<PaymentMethod>('card');
  const [reference, setReference] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setFields({});
    try {
      const paid = await payInvoice(invoice.id, {
        amount: amount.trim().replace(',', '.'),
        method,
        ...(reference.trim() ? { reference: reference.trim() } : {}),
      });
      notify(t('billing.paymentRecorded'));
      onDone(paid);
    } catch (err) {
      const failure = billingFailure(err);
      setError(failure.message);
      setFields(failure.fields);
    } finally {
      setBusy(false);
    }
  }
  return (
    <form onSubmit={submit} noValidate aria-label={t('billing.recordPayment')}>
      <Stack gap="xs">
        <Title order={4}>{t('billing.recordPayment')}</Title>
        {error && (
          <Alert color="red" role="alert">
            {error}
          </Alert>
        )}
        <Group align="flex-end" wrap="wrap">
          <TextInput
            label={t('billing.amount')}
            inputMode="decimal"
            value={amount}
            onChange={(e) => setAmount(e.currentTarget.value)}
            error={fields.amount}
            w={140}
          />
          <Select
            label={t('billing.methodLabel')}
            data={METHODS.map((m) => ({ value: m, label: labels.method[m] }))}
            value={method}
            onChange={(v) => v && setMethod(v as PaymentMethod)}
            allowDeselect={false}
            w={180}
          />
          <TextInput
            label={t('billing.reference')}
            value={reference}
            onChange={(e) => setReference(e.currentTarget.value)}
            error={fields.reference}
            w={200}
          />
          <Button type="submit" loading={busy}>
            {t('billing.pay')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** Asks why before voiding: the reason is printed on the invoice. */
function VoidModal({
  invoice,
  onClose,
  onDone,
}: {
  invoice: Invoice;
  onClose: () => void;
  onDone: (i: Invoice) => void;
}) {
  const { t } = useTranslation();
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onDone(await voidInvoice(invoice.id, reason));
    } catch (err) {
      const failure = billingFailure(err);
      setError(failure.fields.reason ?? failure.message);
    } finally {
      setBusy(false);
    }
  }
  return (
    <Modal
      opened
      onClose={onClose}
      title={t('billing.voidTitle', { number: invoice.number ?? '' })}
      closeButtonProps={{ 'aria-label': t('common.close') }}
    >
      <form onSubmit={submit} noValidate>
        <Stack>
          <Text size="sm">{t('billing.voidHelp')}</Text>
          <TextInput
            label={t('billing.voidReason')}
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
            error={error}
            required
            data-autofocus
          />
          <Group>
            <Button type="submit" color="red.9" loading={busy}>
              {t('billing.void')}
            </Button>
            <Button variant="default" onClick={onClose}>
              {t('common.cancel')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** One invoice: issue a draft, take payments, void, print. */
export function InvoicePage() {
  const { id = '' } = useParams();
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const invoice = useQuery({ queryKey: ['invoices', 'one', id], queryFn: () => getInvoice(id), staleTime: 0 });
  const [confirm, setConfirm] = useState<'issue' | 'discard' | null>(null);
  const [voiding, setVoiding] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const show = async (next: Invoice) => {
    queryClient.setQueryData(['invoices', 'one', id], next);
    await queryClient.invalidateQueries({ queryKey: ['invoices', 'list'] });
  };
  const run = async (step: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await step();
    } catch (err) {
      setError(billingFailure(err).message);
    } finally {
      setBusy(false);
      setConfirm(null);
    }
  };
  const lang = i18n.language.startsWith('en') ? 'en' : 'es';
  const data = invoice.data;
  return (
    <Stack maw={1000}>
      <Anchor component={Link} to="/invoices">
        {t('billing.backToList')}
      </Anchor>
      {invoice.isPending && <Loader />}
      {invoice.isError && <Alert color="red">{invoice.error.message}</Alert>}
      {error && (
        <Alert color="red" role="alert">
          {error}
        </Alert>
      )}
      {data && (
        <>
          <Group>
            {data.status === 'draft' && (
              <>
                <Button onClick={() => setConfirm('issue')}>{t('billing.issue')}</Button>
                <Button variant="default" onClick={() => setConfirm('discard')}>
                  {t('billing.discard')}
                </Button>
              </>
            )}
            {data.status !== 'draft' && (
              <PdfButton
                label={t('common.downloadPdf')}
                load={() => invoicePdf(data.id, lang)}
                filename={pdfName(data.number)}
                action="download"
                variant="default"
              />
            )}
            {(data.status === 'unpaid' || (data.status === 'paid' && data.paid === '0.00')) && (
              <Button variant="default" color="red.9" onClick={() => setVoiding(true)}>
                {t('billing.void')}
              </Button>
            )}
          </Group>
          <InvoiceView invoice={data} />
          {(data.status === 'unpaid' || data.status === 'partially_paid') && (
            <PaymentForm key={data.paid} invoice={data} onDone={show} />
          )}
        </>
      )}
      {data && confirm === 'issue' && (
        <ConfirmModal
          title={t('billing.issueTitle')}
          confirmLabel={t('billing.issue')}
          busy={busy}
          onClose={() => setConfirm(null)}
          onConfirm={() =>
            run(async () => {
              const issued = await issueInvoice(data.id);
              notify(t('billing.issued', { number: issued.number ?? '' }));
              await show(issued);
            })
          }
        >
          {t('billing.issueHelp')}
        </ConfirmModal>
      )}
      {data && confirm === 'discard' && (
        <ConfirmModal
          title={t('billing.discardTitle')}
          confirmLabel={t('billing.discard')}
          busy={busy}
          onClose={() => setConfirm(null)}
          onConfirm={() =>
            run(async () => {
              await discardInvoice(data.id);
              await queryClient.invalidateQueries({ queryKey: ['invoices', 'list'] });
              navigate('/invoices');
            })
          }
        >
          {t('billing.discardHelp')}
        </ConfirmModal>
      )}
      {data && voiding && (
        <VoidModal
          invoice={data}
          onClose={() => setVoiding(false)}
          onDone={async (voided) => {
            setVoiding(false);
            notify(t('billing.voided', { number: voided.number ?? '' }));
            await show(voided);
          }}
        />
      )}
    </Stack>
  );
}
