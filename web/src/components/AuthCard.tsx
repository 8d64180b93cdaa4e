import { Center, Group, Paper, Stack, Title } from '@mantine/core';
import type { FormEvent, ReactNode } from 'react';
import { LanguageSwitch } from './Shell';

/**
 * The frame of the signed-out pages: the name, the language switch, a heading and a form
 * (or, without `onSubmit`, just the content: a confirmation has nothing to submit).
 */
export function AuthCard({
  heading,
  width,
  onSubmit,
  children,
}: {
  heading: string;
  width: number;
  onSubmit?: (event: FormEvent) => void;
  children: ReactNode;
}) {
  const content = (
    <Stack>
      <Group justify="space-between">
        <Title order={1} size="h2">
          Clinica
        </Title>
        <LanguageSwitch />
      </Group>
      <Title order={2} size="h4">
        {heading}
      </Title>
      {children}
    </Stack>
  );
  return (
    <Center mih="100vh" p="md">
      <Paper withBorder shadow="sm" p="lg" w="100%" maw={width} component="main">
        {onSubmit ? (
          <form onSubmit={onSubmit} noValidate>
            {content}
          </form>
        ) : (
          content
        )}
      </Paper>
    </Center>
  );
}
