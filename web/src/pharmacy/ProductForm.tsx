import { Alert, Button, Checkbox, Group, Modal, Select, SimpleGrid, Stack, TextInput } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormFields } from '../components/useFormFields';
import { notify } from '../notify';
import { createProduct, updateProduct } from './api';
import { useProductKindLabels } from './labels';
import { failureOf } from './problems';
import { decimalInput } from './quantity';
import { useRefreshPharmacy } from './queries';
import { PRODUCT_KINDS, type Product, type ProductInput, type ProductKind } from './types';

/** Text fields left empty are not sent: the server keeps them unset. */
const optional = (value: string) => (value.trim() === '' ? undefined : value.trim());

/** Creates a product (no `product`) or replaces one; prices, tax and stock levels stay exact decimal strings. */
export function ProductForm({ product, onClose }: { product: Product | null; onClose: () => void }) {
  const { t } = useTranslation();
  const kinds = useProductKindLabels();
  const refresh = useRefreshPharmacy();
  const { values, setValues, errors, setErrors, field } = useFormFields({
    kind: (product?.kind ?? 'medicine') as ProductKind,
    name: product?.name ?? '',
    genericName: product?.genericName ?? '',
    dosageStrength: product?.dosageStrength ?? '',
    form: product?.form ?? '',
    category: product?.category ?? '',
    barcode: product?.barcode ?? '',
    unit: product?.unit ?? '',
    salePrice: product?.salePrice ?? '',
    taxRate: product?.taxRate ?? '',
    cost: product?.cost ?? '',
    minStock: product?.minStock ?? '',
    maxStock: product?.maxStock ?? '',
    active: product?.active ?? true,
  });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setErrors({});
    const body: ProductInput = {
      kind: values.kind,
      name: values.name.trim(),
      genericName: optional(values.genericName),
      dosageStrength: optional(values.dosageStrength),
      form: optional(values.form),
      category: optional(values.category),
      barcode: optional(values.barcode),
      unit: optional(values.unit),
      salePrice: decimalInput(values.salePrice),
      taxRate: optional(decimalInput(values.taxRate)),
      cost: optional(decimalInput(values.cost)),
      minStock: optional(decimalInput(values.minStock)),
      maxStock: optional(decimalInput(values.maxStock)),
      active: values.active,
    };
    try {
      const saved = product ? await updateProduct(product.id, body) : await createProduct(body);
      notify(t('products.saved', { name: saved.name }));
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
      title={product ? product.name : t('products.new')}
      closeButtonProps={{ 'aria-label': t('common.close') }}
    >
      <form onSubmit={submit} noValidate data-testid="product-form">
        <Stack>
          {error && (
            <Alert color="red" role="alert">
              {error}
            </Alert>
          )}
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <Select
              label={t('products.kind')}
              required
              allowDeselect={false}
              data={PRODUCT_KINDS.map((k) => ({ value: k, label: kinds[k] }))}
              value={values.kind}
              onChange={(v) => setValues((s) => ({ ...s, kind: (v ?? 'medicine') as ProductKind }))}
              error={errors.kind}
            />
            <TextInput label={t('products.name')} required {...field('name')} />
            <TextInput label={t('products.genericName')} {...field('genericName')} />
            <TextInput
              label={t('products.dosageStrength')}
              description={t('products.dosageStrengthHelp')}
              {...field('dosageStrength')}
            />
            <TextInput label={t('products.form')} description={t('products.formHelp')} {...field('form')} />
            <TextInput label={t('products.category')} {...field('category')} />
            <TextInput label={t('products.barcode')} {...field('barcode')} />
            <TextInput label={t('products.unit')} description={t('products.unitHelp')} {...field('unit')} />
            <TextInput
              label={t('products.salePrice')}
              description={t('products.decimalHelp')}
              inputMode="decimal"
              required
              {...field('salePrice')}
            />
            <TextInput
              label={t('products.taxRate')}
              description={t('products.taxRateHelp')}
              inputMode="decimal"
              {...field('taxRate')}
            />
            <TextInput
              label={t('products.cost')}
              description={t('products.costHelp')}
              inputMode="decimal"
              {...field('cost')}
            />
            <TextInput
              label={t('pharmacy.minStock')}
              description={t('products.minStockHelp')}
              inputMode="decimal"
              {...field('minStock')}
            />
            <TextInput
              label={t('pharmacy.maxStock')}
              description={t('products.maxStockHelp')}
              inputMode="decimal"
              {...field('maxStock')}
            />
          </SimpleGrid>
          <Checkbox
            label={t('products.active')}
            description={t('products.activeHelp')}
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
