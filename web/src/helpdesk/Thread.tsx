import { Badge, Card, Group, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { PdfButton } from '../clinical/PdfButton';
import { formatBytes } from '../documents/units';
import { formatInstant } from '../format';
import { attachmentContent } from './api';
import type { Article, IncidentDetail } from './types';

function ArticleCard({ incidentId, article: a }: { incidentId: string; article: Article }) {
  const { t, i18n } = useTranslation();
  const note = a.kind === 'note';
  const fromStaff = a.author.role !== 'reporter';
  return (
    <Card
      withBorder
      data-testid="article"
      data-kind={a.kind}
      bg={note ? 'yellow.0' : fromStaff ? 'blue.0' : undefined}
      style={note ? { borderColor: 'var(--mantine-color-yellow-7)', borderStyle: 'dashed' } : undefined}
    >
      <Stack gap={6}>
        <Group justify="space-between" gap="xs">
          <Group gap="xs">
            <Text size="sm" fw={700}>
              {a.author.name}
            </Text>
            {note && (
              <Badge color="yellow.4" autoContrast>
                {t('helpdesk.internalNote')}
              </Badge>
            )}
            {a.via !== 'web' && (
              <Badge variant="outline" color="gray.7">
                {a.via === 'email' ? t('helpdesk.viaEmail') : t('helpdesk.viaZammad')}
              </Badge>
            )}
          </Group>
          <Text size="xs">{formatInstant(a.createdAt, i18n.language)}</Text>
        </Group>
        <Text size="sm" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
          {a.body}
        </Text>
        {a.attachments.map((f) => (
          <Group key={f.id} gap="xs">
            <PdfButton
              label={f.fileName}
              ariaLabel={t('helpdesk.downloadNamed', { name: f.fileName })}
              load={() => attachmentContent(incidentId, f.id)}
              filename={f.fileName}
              action="download"
              variant="light"
              size="xs"
            />
            <Text size="xs">{formatBytes(f.sizeBytes, i18n.language)}</Text>
          </Group>
        ))}
      </Stack>
    </Card>
  );
}

/** The description first, as the reporter wrote it, then every article, oldest first. */
export function Thread({ incident }: { incident: IncidentDetail }) {
  const { t, i18n } = useTranslation();
  return (
    <Stack gap="sm" data-testid="thread">
      <Card withBorder data-testid="description">
        <Stack gap={6}>
          <Group justify="space-between" gap="xs">
            <Text size="sm" fw={700}>
              {incident.reporter.name}
            </Text>
            <Text size="xs">{formatInstant(incident.createdAt, i18n.language)}</Text>
          </Group>
          <Text size="sm" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
            {incident.description}
          </Text>
        </Stack>
      </Card>
      {incident.articles.map((a) => (
        <ArticleCard key={a.id} incidentId={incident.id} article={a} />
      ))}
      {incident.articles.length === 0 && (
        <Text size="sm" c="dimmed">
          {t('helpdesk.noReplies')}
        </Text>
      )}
    </Stack>
  );
}
