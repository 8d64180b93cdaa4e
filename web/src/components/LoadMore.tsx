import { Button } from '@mantine/core';
import { useTranslation } from 'react-i18next';

/** The "load more" button under a cursor-paginated list (a react-query infinite query). */
export function LoadMore({
  list,
}: {
  list: { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage: () => unknown };
}) {
  const { t } = useTranslation();
  if (!list.hasNextPage) return null;
  return (
    <Button variant="default" onClick={() => list.fetchNextPage()} loading={list.isFetchingNextPage}>
      {t('common.loadMore')}
    </Button>
  );
}
