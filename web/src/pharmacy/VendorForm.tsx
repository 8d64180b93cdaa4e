import { Alert, Button, Checkbox, Group, Modal, Select, SimpleGrid, Stack, TextInput } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormFields } from '../components/useFormFields';
import { notify } from '../notify';
import { createVendor, updateVendor } from './api';
import { failureOf } from './problems';
import { useRefreshPharmacy } from './queries';
import type { Vendor, VendorInput } from './types';

const optional = (value: string) => (value.trim() === '' ? undefined : value.trim());

/** Adds a vendor (no `vendor`) or replaces one: where confirmed orders are e-mailed, and in which language. */
export function VendorForm({ vendor, onClose }: { vendor: Vendor | null; onClose: () => void }) {
  const { t } = useTranslation();
  const refresh = useRefreshPharmacy();
  const { values, setValues, errors, setErrors, field } = useFormFields({
    name: vendor?.name ?? '',
    email: vendor?.email ?? '',
    phone: vendor?.phone ?? '',
    taxId: vendor?.taxId ?? '',
    address: vendor?.address ?? '',
    language: (vendor?.language ?? 'es') as Vendor['language'],
    active: vendor?.active ?? true,
  });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setErrors({});
    const body: VendorInput = {
      name: values.name.trim(),
      email: values.email.trim(),
      phone: optional(values.phone),
      taxId: optional(values.taxId),
      address: optional(values.address),
      language: values.language,
      active: values.active,
    };
    try {
      const saved = vendor ? await updateVendor(vendor.id, body) : await createVendor(body);
      notify(t('vendors.saved', { name: saved.name }));
      await refresh();
      onClose();
    } catch (err) {
      const failure = failureOf(err);
      setErrors(failure.fields);
      setError(failure.message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal
      opened
      onClose={onClose}
      size="lg"
      title={vendor ? vendor.name : t('vendors.new')}
      closeButtonProps={{ 'aria-label': t('common.close') }}
    >
      <form onSubmit={submit} noValidate data-testid="vendor-form">
        <Stack>
          {error && (
            <Alert color="red" role="alert">
              {error}
            </Alert>
          )}
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput label={t('vendors.name')} required {...field('name')} />
            <TextInput label={t('vendors.email')} description={t('vendors.emailHelp')} required {...field('email')} />
            <TextInput label={t('vendors.phone')} {...field('phone')} />
            <TextInput label={t('vendors.taxId')} {...field('taxId')} />
            <TextInput label={t('vendors.address')} {...field('address')} />
            <Select
              label={t('vendors.language')}
              allowDeselect={false}
              data={[
                { value: 'es', label: t('vendors.languageEs') },
                { value: 'en', label: t('vendors.languageEn') },
              ]}
              value={values.language}
              onChange={(v) => setValues((s) => ({ ...s, language: (v ?? 'es') as Vendor['language'] }))}
              error={errors.language}
            />
          </SimpleGrid>
          <Checkbox
            label={t('vendors.active')}
            description={t('vendors.activeHelp')}
            checked={values.active}
            onChange={(e) => {
              const active = e.currentTarget.checked;
              setValues((v) => ({ ...v, active }));
            }}
          />
          <Group>
            <Button type="submit" loading={busy}>
              {t('common.save')}
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
