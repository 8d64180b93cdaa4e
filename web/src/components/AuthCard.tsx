import { Center, Group, Paper, Stack, Title } from '@mantine/core';
import type { FormEvent, ReactNode } from 'react';
import { LanguageSwitch } from './Shell';

/** The frame of the signed-out pages: the name, the language switch, a heading and a form. */
export function AuthCard({
  heading,
  width,
  onSubmit,
  children,
}: {
  heading: string;
  width: number;
  onSubmit: (event: FormEvent) => void;
  children: ReactNode;
}) {
  return (
    <Center mih="100vh" p="md">
      <Paper withBorder shadow="sm" p="lg" w="100%" maw={width} component="main">
        <form onSubmit={onSubmit} noValidate>
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
        </form>
      </Paper>
    </Center>
  );
}
