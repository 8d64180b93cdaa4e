import { notifications } from '@mantine/notifications';
import i18n from './i18n';

/** A short confirmation (or error) in the corner, with a labelled close button. */
export function notify(message: string, color: 'green' | 'red' = 'green') {
  notifications.show({
    message,
    color: color === 'green' ? 'teal.9' : 'red.9',
    closeButtonProps: { 'aria-label': i18n.t('common.close') },
  });
}
