import type { TemplateText } from '../templates.js';
import { formatInstant } from './compose.js';

/**
 * Operations mail for administrators. It names the run, when it started, where archives go
 * and why it failed: storage and database messages, never anything from a patient's record.
 */
export const BACKUP_TEMPLATES: { 'backup-failed': TemplateText<'backup-failed'> } = {
  'backup-failed': ({ startedAt, trigger, error, destination }, language, { clinicName, publicUrl, timeZone }) => {
    const when = formatInstant(startedAt, language, timeZone);
    const url = `${publicUrl}/admin/backups`;
    const how = {
      es: {
        schedule: 'programada (BACKUP_SCHEDULE)',
        manual: 'iniciada desde la administración',
        cli: 'clinica backup',
      },
      en: { schedule: 'scheduled (BACKUP_SCHEDULE)', manual: 'started from the admin screen', cli: 'clinica backup' },
    }[language][trigger];
    return language === 'es'
      ? {
          subject: `La copia de seguridad de ${clinicName} ha fallado`,
          title: 'Copia de seguridad fallida',
          intro: [
            `La copia de seguridad iniciada el ${when} no se ha completado, así que no hay una copia nueva de los datos de la clínica.`,
          ],
          details: [
            ['Copia', how],
            ['Destino', destination],
            ['Error', error],
          ],
          action: { label: 'Ver las copias de seguridad', url },
          outro: [
            'Corrija la causa (espacio, permisos o acceso al destino) y lance una copia nueva desde la administración o con clinica backup.',
          ],
        }
      : {
          subject: `The ${clinicName} backup failed`,
          title: 'Backup failed',
          intro: [`The backup started on ${when} did not complete, so there is no new copy of the clinic's data.`],
          details: [
            ['Backup', how],
            ['Destination', destination],
            ['Error', error],
          ],
          action: { label: 'See the backups', url },
          outro: [
            'Fix the cause (space, permissions or access to the destination) and start a new backup from the admin screen or with clinica backup.',
          ],
        };
  },
};
