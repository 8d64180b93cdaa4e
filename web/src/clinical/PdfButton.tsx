import { Button, type ButtonProps, Group, Text } from '@mantine/core';
import { useState } from 'react';
import { downloadPdf, openPdf } from './pdf';
import { failureOf } from './problems';

/**
 * A button that fetches a PDF and opens it in a new tab (to print) or downloads it, saying
 * beside it why when the server refuses.
 */
export function PdfButton({
  label,
  ariaLabel,
  load,
  filename,
  action,
  ...button
}: {
  label: string;
  /** A longer name for screen readers when several such buttons share the page ("Imprimir PRN00001"). */
  ariaLabel?: string;
  load: () => Promise<Blob>;
  filename: string;
  action: 'open' | 'download';
} & Pick<ButtonProps, 'variant' | 'size'>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      await (action === 'open' ? openPdf : downloadPdf)(load(), filename);
    } catch (err) {
      setError(failureOf(err).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Group gap="xs">
      <Button {...button} loading={busy} onClick={run} aria-label={ariaLabel}>
        {label}
      </Button>
      {error && (
        <Text size="sm" c="red.9" role="alert">
          {error}
        </Text>
      )}
    </Group>
  );
}
