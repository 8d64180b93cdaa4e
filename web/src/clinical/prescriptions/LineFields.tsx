import { Button, Card, Checkbox, Group, Select, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { DrugForm, FoodTiming } from '../../api/types';
import { FOOD_TIMINGS, FORMS, type LineDraft } from './lines';

type TextField = 'medicament' | 'genericName' | 'strength' | 'quantity' | 'price' | 'days' | 'instructions';

/** One medication line: what, how much, at what price, and when to take it for how many days. */
export function LineFields({
  index,
  line,
  errors,
  onChange,
  onRemove,
}: {
  index: number;
  line: LineDraft;
  /** Field errors of this line, by field name. */
  errors: Record<string, string>;
  onChange: (line: LineDraft) => void;
  /** Absent for the only line: a prescription has at least one. */
  onRemove?: (() => void) | undefined;
}) {
  const { t } = useTranslation();
  const text = (name: TextField) => ({
    value: line[name],
    error: errors[name],
    onChange: (e: { currentTarget: { value: string } }) => onChange({ ...line, [name]: e.currentTarget.value }),
  });
  const when = [
    { key: 'morning', label: t('prescriptions.morning') },
    { key: 'afternoon', label: t('prescriptions.afternoon') },
    { key: 'night', label: t('prescriptions.night') },
  ] as const;
  return (
    <Card withBorder data-testid="prescription-line">
      <Stack gap="xs">
        <Group justify="space-between">
          <Text fw={600} size="sm">
            {t('prescriptions.line', { number: index + 1 })}
          </Text>
          {onRemove && (
            <Button size="xs" variant="subtle" color="red.9" onClick={onRemove}>
              {t('prescriptions.removeLine', { number: index + 1 })}
            </Button>
          )}
        </Group>
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <TextInput label={t('prescriptions.medicament')} required {...text('medicament')} />
          <TextInput label={t('prescriptions.genericName')} {...text('genericName')} />
          <TextInput
            label={t('prescriptions.strength')}
            placeholder={t('prescriptions.strengthPlaceholder')}
            {...text('strength')}
          />
        </SimpleGrid>
        <SimpleGrid cols={{ base: 2, sm: 4 }}>
          <Select
            label={t('prescriptions.form')}
            data={FORMS.map((f) => ({ value: f, label: t(`drugForm.${f}`) }))}
            value={line.form}
            onChange={(v) => v && onChange({ ...line, form: v as DrugForm })}
            allowDeselect={false}
            error={errors.form}
          />
          <TextInput label={t('prescriptions.quantity')} required inputMode="numeric" {...text('quantity')} />
          <TextInput label={t('prescriptions.days')} required inputMode="numeric" {...text('days')} />
          <TextInput
            label={t('prescriptions.price')}
            description={t('prescriptions.priceHelp')}
            inputMode="decimal"
            {...text('price')}
          />
        </SimpleGrid>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <Select
            label={t('prescriptions.foodTiming')}
            data={FOOD_TIMINGS.map((f) => ({ value: f, label: t(`foodTiming.${f}`) }))}
            value={line.foodTiming}
            onChange={(v) => v && onChange({ ...line, foodTiming: v as FoodTiming })}
            allowDeselect={false}
          />
          <Checkbox.Group
            label={t('prescriptions.when')}
            value={when.filter((w) => line[w.key]).map((w) => w.key)}
            onChange={(v) =>
              onChange({
                ...line,
                morning: v.includes('morning'),
                afternoon: v.includes('afternoon'),
                night: v.includes('night'),
              })
            }
          >
            <Group gap="md" mt={6}>
              {when.map((w) => (
                <Checkbox key={w.key} value={w.key} label={w.label} />
              ))}
            </Group>
          </Checkbox.Group>
        </SimpleGrid>
        <TextInput label={t('prescriptions.instructions')} {...text('instructions')} />
      </Stack>
    </Card>
  );
}
