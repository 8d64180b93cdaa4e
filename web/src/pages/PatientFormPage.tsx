import { Alert, Button, Group, Select, SimpleGrid, Stack, TagsInput, TextInput, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router';
import { ApiError, api, unwrap } from '../api/client';
import type { CreatedPatient, Patient, PatientInput } from '../api/types';
import { Duplicates } from '../components/Duplicates';
import { PatientHeader } from '../components/PatientHeader';
import { useFormFields } from '../components/useFormFields';
import { notify } from '../notify';

interface FormValues {
  documentNumber: string;
  firstName: string;
  lastName: string;
  birthDate: string;
  sex: string;
  phone: string;
  email: string;
  street: string;
  city: string;
  allergies: string[];
  bloodType: string;
  category: string;
  emergencyName: string;
  emergencyPhone: string;
}

const EMPTY: FormValues = {
  documentNumber: '',
  firstName: '',
  lastName: '',
  birthDate: '',
  sex: '',
  phone: '',
  email: '',
  street: '',
  city: '',
  allergies: [],
  bloodType: '',
  category: 'new',
  emergencyName: '',
  emergencyPhone: '',
};

function fromPatient(p: Patient): FormValues {
  return {
    documentNumber: p.documentNumber,
    firstName: p.firstName,
    lastName: p.lastName,
    birthDate: p.birthDate,
    sex: p.sex,
    phone: p.phone ?? '',
    email: p.email ?? '',
    street: p.address?.street ?? '',
    city: p.address?.city ?? '',
    allergies: p.allergies,
    bloodType: p.bloodType ?? '',
    category: p.category,
    emergencyName: p.emergencyContact?.name ?? '',
    emergencyPhone: p.emergencyContact?.phone ?? '',
  };
}

function toInput(v: FormValues, previous?: Patient): PatientInput {
  const opt = (s: string) => (s.trim() ? s.trim() : undefined);
  const address = { ...previous?.address, street: opt(v.street), city: opt(v.city) };
  const hasAddress = Object.values(address).some(Boolean);
  return {
    documentNumber: v.documentNumber,
    firstName: v.firstName,
    lastName: v.lastName,
    birthDate: v.birthDate,
    sex: v.sex as PatientInput['sex'],
    phone: opt(v.phone),
    email: opt(v.email),
    address: hasAddress ? address : undefined,
    emergencyContact: opt(v.emergencyName)
      ? { ...previous?.emergencyContact, name: v.emergencyName.trim(), phone: opt(v.emergencyPhone) }
      : undefined,
    allergies: v.allergies,
    bloodType: (opt(v.bloodType) as PatientInput['bloodType']) ?? undefined,
    category: v.category as PatientInput['category'],
  };
}

/** Field paths in the server's errors (body.address.city) to the form's fields. */
const FIELD_OF: Record<string, keyof FormValues> = {
  'address.street': 'street',
  'address.city': 'city',
  'emergencyContact.name': 'emergencyName',
  'emergencyContact.phone': 'emergencyPhone',
};

export function PatientFormPage() {
  const { t } = useTranslation();
  const { id } = useParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const existing = useQuery({
    queryKey: ['patient', id],
    enabled: !!id,
    queryFn: () => unwrap(api.GET('/api/v1/patients/{id}', { params: { path: { id: id! } } })),
  });
  const { values, setValues, errors, setErrors, field } = useFormFields<FormValues>(EMPTY);
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<CreatedPatient | null>(null);

  useEffect(() => {
    if (existing.data) setValues(fromPatient(existing.data));
  }, [existing.data, setValues]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    setFormError(null);
    try {
      const body = toInput(values, existing.data);
      if (id) {
        const saved = await unwrap(api.PUT('/api/v1/patients/{id}', { params: { path: { id } }, body }));
        await queryClient.invalidateQueries({ queryKey: ['patient', id] });
        await queryClient.invalidateQueries({ queryKey: ['patients'] });
        notify(t('patients.saved'));
        navigate(`/patients/${saved.id}`);
      } else {
        const saved = await unwrap(api.POST('/api/v1/patients', { body }));
        await queryClient.invalidateQueries({ queryKey: ['patients'] });
        if (saved.possibleDuplicates.length > 0) setCreated(saved);
        else {
          notify(t('patients.created', { number: saved.patientNumber }));
          navigate(`/patients/${saved.id}`);
        }
      }
    } catch (err) {
      if (err instanceof ApiError) {
        const byPath = err.fieldErrors();
        const mapped: Partial<Record<keyof FormValues, string>> = {};
        const unplaced: string[] = [];
        for (const [path, message] of Object.entries(byPath)) {
          const key = (FIELD_OF[path] ?? path.split('.')[0]) as keyof FormValues;
          if (key in EMPTY) mapped[key] = message;
          else unplaced.push(`${path}: ${message}`);
        }
        setErrors(mapped);
        setFormError(Object.keys(mapped).length > 0 && unplaced.length === 0 ? t('errors.fixFields') : err.message);
      } else setFormError(t('errors.network'));
    } finally {
      setBusy(false);
    }
  }

  if (created) {
    return (
      <Stack>
        <Title order={2}>{t('patients.createdTitle')}</Title>
        <PatientHeader patient={created} />
        <Duplicates patientId={created.id} candidates={created.possibleDuplicates} />
        <Group>
          <Button onClick={() => navigate(`/patients/${created.id}`)}>{t('duplicates.keep')}</Button>
        </Group>
      </Stack>
    );
  }

  const sexes = ['female', 'male', 'other', 'unknown'] as const;
  return (
    <form onSubmit={submit} noValidate>
      <Stack maw={800}>
        <Title order={2}>{id ? t('patients.edit') : t('patients.new')}</Title>
        {formError && (
          <Alert color="red" role="alert" data-testid="form-error">
            {formError}
          </Alert>
        )}
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput label={t('patient.documentNumber')} required {...field('documentNumber')} />
          <TextInput label={t('patient.birthDate')} type="date" required {...field('birthDate')} />
          <TextInput label={t('patient.firstName')} required {...field('firstName')} />
          <TextInput label={t('patient.lastName')} required {...field('lastName')} />
          <Select
            label={t('patient.sex')}
            required
            value={values.sex || null}
            error={errors.sex}
            onChange={(v) => setValues((s) => ({ ...s, sex: v ?? '' }))}
            data={sexes.map((s) => ({ value: s, label: t(`sex.${s}`) }))}
          />
          <Select
            label={t('patient.category')}
            value={values.category}
            error={errors.category}
            onChange={(v) => setValues((s) => ({ ...s, category: v ?? 'new' }))}
            data={[
              { value: 'new', label: t('category.new') },
              { value: 'returning', label: t('category.returning') },
            ]}
          />
          <TextInput label={t('patient.phone')} type="tel" {...field('phone')} />
          <TextInput label={t('patient.email')} type="email" {...field('email')} />
          <TextInput label={t('patient.street')} {...field('street')} />
          <TextInput label={t('patient.city')} {...field('city')} />
          <TextInput label={t('patient.emergencyName')} {...field('emergencyName')} />
          <TextInput label={t('patient.emergencyPhone')} type="tel" {...field('emergencyPhone')} />
          <Select
            label={t('patient.bloodType')}
            clearable
            value={values.bloodType || null}
            error={errors.bloodType}
            onChange={(v) => setValues((s) => ({ ...s, bloodType: v ?? '' }))}
            data={['A+', 'A-', 'B+', 'B-', 'AB+', 'AB-', 'O+', 'O-']}
          />
          <TagsInput
            label={t('patient.allergies')}
            description={t('patient.allergiesHelp')}
            value={values.allergies}
            error={errors.allergies}
            onChange={(v) => setValues((s) => ({ ...s, allergies: v }))}
          />
        </SimpleGrid>
        <Group>
          <Button type="submit" loading={busy}>
            {t('common.save')}
          </Button>
          <Button variant="default" onClick={() => navigate(-1)}>
            {t('common.cancel')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
