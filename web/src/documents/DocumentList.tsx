import { Button, Card, Group, Stack, Table, Text, VisuallyHidden } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { PdfButton } from '../clinical/PdfButton';
import { formatInstant } from '../format';
import { documentContent } from './api';
import { useCategoryLabels } from './labels';
import type { PatientDocument } from './types';
import { formatBytes, typeName } from './units';

interface ListProps {
  items: PatientDocument[];
  /** Offers "delete" on each document still in the folder. */
  onDelete?: ((document: PatientDocument) => void) | undefined;
}

function Download({ document: d, fullWidth }: { document: PatientDocument; fullWidth?: boolean }) {
  const { t } = useTranslation();
  return (
    <PdfButton
      label={t('documents.download')}
      ariaLabel={t('documents.downloadNamed', { title: d.title })}
      load={() => documentContent(d.patientId, d.id)}
      filename={d.fileName}
      action="download"
      variant="light"
      size={fullWidth ? 'sm' : 'xs'}
    />
  );
}

/** Title and file name; a deleted document struck through, with when and why it was deleted. */
function Title({ document: d }: { document: PatientDocument }) {
  const { t, i18n } = useTranslation();
  const deleted = d.deletedAt !== null;
  return (
    <div>
      <Text size="sm" fw={600} td={deleted ? 'line-through' : undefined} style={{ overflowWrap: 'anywhere' }}>
        {d.title}
      </Text>
      {d.fileName !== d.title && (
        <Text size="xs" c="dimmed" td={deleted ? 'line-through' : undefined} style={{ overflowWrap: 'anywhere' }}>
          {d.fileName}
        </Text>
      )}
      {d.deletedAt && (
        <Text size="xs" c="red.9" data-testid="delete-reason">
          {t('documents.deletedOn', { date: formatInstant(d.deletedAt, i18n.language), reason: d.deleteReason ?? '' })}
        </Text>
      )}
    </div>
  );
}

/** The documents as a table, for a screen wide enough. */
export function DocumentTable({ items, onDelete }: ListProps) {
  const { t, i18n } = useTranslation();
  const labels = useCategoryLabels();
  return (
    <Table.ScrollContainer
      minWidth={760}
      scrollAreaProps={{ viewportProps: { tabIndex: 0, role: 'region', 'aria-label': t('documents.title') } }}
    >
      <Table striped data-testid="document-list">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('documents.date')}</Table.Th>
            <Table.Th>{t('documents.titleLabel')}</Table.Th>
            <Table.Th>{t('documents.category')}</Table.Th>
            <Table.Th>{t('documents.type')}</Table.Th>
            <Table.Th ta="right">{t('documents.size')}</Table.Th>
            <Table.Th>{t('documents.author')}</Table.Th>
            <Table.Th>
              <VisuallyHidden>{t('documents.actions')}</VisuallyHidden>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((d) => (
            <Table.Tr key={d.id} data-document={d.id} data-deleted={d.deletedAt ? 'true' : 'false'}>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>
                <Text size="sm">{formatInstant(d.createdAt, i18n.language)}</Text>
              </Table.Td>
              <Table.Td>
                <Title document={d} />
              </Table.Td>
              <Table.Td>
                <Text size="sm">{labels[d.category]}</Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{typeName(d.contentType)}</Text>
              </Table.Td>
              <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>
                <Text size="sm">{formatBytes(d.sizeBytes, i18n.language)}</Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{d.author?.name ?? '—'}</Text>
              </Table.Td>
              <Table.Td>
                {!d.deletedAt && (
                  <Group gap="xs" wrap="nowrap">
                    <Download document={d} />
                    {onDelete && (
                      <Button
                        size="xs"
                        variant="outline"
                        color="red.9"
                        onClick={() => onDelete(d)}
                        aria-label={t('documents.deleteNamed', { title: d.title })}
                      >
                        {t('documents.delete')}
                      </Button>
                    )}
                  </Group>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** The documents as cards, one under another: a phone's width, nothing to scroll sideways. */
export function DocumentCards({ items, onDelete }: ListProps) {
  const { t, i18n } = useTranslation();
  const labels = useCategoryLabels();
  return (
    <Stack gap="sm" data-testid="document-list">
      {items.map((d) => (
        <Card key={d.id} withBorder padding="sm" data-document={d.id} data-deleted={d.deletedAt ? 'true' : 'false'}>
          <Stack gap={6}>
            <Title document={d} />
            <Text size="xs" c="dimmed">
              {[labels[d.category], typeName(d.contentType), formatBytes(d.sizeBytes, i18n.language)].join(' · ')}
            </Text>
            <Text size="xs" c="dimmed">
              {[formatInstant(d.createdAt, i18n.language), d.author?.name].filter(Boolean).join(' · ')}
            </Text>
            {!d.deletedAt && (
              <Group gap="xs">
                <Download document={d} fullWidth />
                {onDelete && (
                  <Button
                    variant="outline"
                    color="red.9"
                    onClick={() => onDelete(d)}
                    aria-label={t('documents.deleteNamed', { title: d.title })}
                  >
                    {t('documents.delete')}
                  </Button>
                )}
              </Group>
            )}
          </Stack>
        </Card>
      ))}
    </Stack>
  );
}
