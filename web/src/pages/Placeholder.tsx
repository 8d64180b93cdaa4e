import { Alert, Stack, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';

type Workspace = 'pharmacy';

/** A workspace whose features arrive in later issues: says what is coming, shows no fake data. */
export function Placeholder({ workspace }: { workspace: Workspace }) {
  const { t } = useTranslation();
  const texts: Record<Workspace, [string, string]> = {
    pharmacy: [t('nav.pharmacy'), t('placeholder.pharmacy')],
  };
  const [title, text] = texts[workspace];
  return (
    <Stack>
      <Title order={2}>{title}</Title>
      <Alert color="blue" title={t('placeholder.comingTitle')} data-testid="placeholder">
        {text}
      </Alert>
    </Stack>
  );
}
