import type { AppointmentMail, Language, MailContext, TemplateText } from '../templates.js';
import type { MailContent } from './compose.js';
import { formatRange } from './compose.js';

type AppointmentTemplate =
  | 'appointment-booked'
  | 'appointment-changed'
  | 'appointment-cancelled'
  | 'appointment-reminder';

interface Wording {
  subject: string;
  title: string;
  intro: string;
  outro: string;
}

const COME_OR_CANCEL = {
  es: 'Si no puede acudir, anule o cambie la cita desde el portal con antelación, para que otra persona pueda aprovechar la hora.',
  en: 'If you cannot come, please cancel or change it in the portal in advance, so someone else can have the time.',
};

const WORDING: Record<AppointmentTemplate, Record<Language, (number: string, clinic: string) => Wording>> = {
  'appointment-booked': {
    es: (number, clinic) => ({
      subject: `Cita ${number} confirmada · ${clinic}`,
      title: 'Cita confirmada',
      intro: `Le confirmamos su cita en ${clinic}.`,
      outro: COME_OR_CANCEL.es,
    }),
    en: (number, clinic) => ({
      subject: `Appointment ${number} confirmed · ${clinic}`,
      title: 'Appointment confirmed',
      intro: `Your appointment at ${clinic} is confirmed.`,
      outro: COME_OR_CANCEL.en,
    }),
  },
  'appointment-changed': {
    es: (number, clinic) => ({
      subject: `Cita ${number} modificada · ${clinic}`,
      title: 'Su cita ha cambiado',
      intro: `Se ha modificado su cita en ${clinic}. Estos son los datos actualizados:`,
      outro: COME_OR_CANCEL.es,
    }),
    en: (number, clinic) => ({
      subject: `Appointment ${number} changed · ${clinic}`,
      title: 'Your appointment has changed',
      intro: `Your appointment at ${clinic} has changed. These are the new details:`,
      outro: COME_OR_CANCEL.en,
    }),
  },
  'appointment-cancelled': {
    es: (number, clinic) => ({
      subject: `Cita ${number} cancelada · ${clinic}`,
      title: 'Cita cancelada',
      intro: `Le confirmamos la cancelación de esta cita en ${clinic}:`,
      outro: 'Si desea una nueva cita, puede pedirla desde el portal.',
    }),
    en: (number, clinic) => ({
      subject: `Appointment ${number} cancelled · ${clinic}`,
      title: 'Appointment cancelled',
      intro: `This appointment at ${clinic} has been cancelled:`,
      outro: 'If you would like a new appointment, you can book one in the portal.',
    }),
  },
  'appointment-reminder': {
    es: (number, clinic) => ({
      subject: `Recordatorio de su cita ${number} · ${clinic}`,
      title: 'Recordatorio de cita',
      intro: `Le recordamos que tiene una cita en ${clinic}:`,
      outro: COME_OR_CANCEL.es,
    }),
    en: (number, clinic) => ({
      subject: `Reminder: appointment ${number} · ${clinic}`,
      title: 'Appointment reminder',
      intro: `This is a reminder of your appointment at ${clinic}:`,
      outro: COME_OR_CANCEL.en,
    }),
  },
};

const LABELS = {
  es: { number: 'Número', when: 'Fecha y hora', practitioner: 'Profesional', link: 'Ver mis citas' },
  en: { number: 'Number', when: 'Date and time', practitioner: 'Practitioner', link: 'View my appointments' },
};

/**
 * Only the number, the time, the practitioner and the clinic: no treatment, reason or
 * specialty, which would tell anyone reading over the patient's shoulder why they go.
 */
const appointmentText =
  (template: AppointmentTemplate): TemplateText<AppointmentTemplate> =>
  (data: AppointmentMail, language: Language, { clinicName, publicUrl, timeZone }: MailContext): MailContent => {
    const wording = WORDING[template][language](data.number, clinicName);
    const labels = LABELS[language];
    return {
      subject: wording.subject,
      title: wording.title,
      intro: [wording.intro],
      details: [
        [labels.number, data.number],
        [labels.when, formatRange(data.startsAt, data.endsAt, language, timeZone)],
        [labels.practitioner, data.practitioner],
      ],
      action: { label: labels.link, url: `${publicUrl}/portal/appointments` },
      outro: [wording.outro],
    };
  };

export const APPOINTMENT_TEMPLATES: { [T in AppointmentTemplate]: TemplateText<T> } = {
  'appointment-booked': appointmentText('appointment-booked'),
  'appointment-changed': appointmentText('appointment-changed'),
  'appointment-cancelled': appointmentText('appointment-cancelled'),
  'appointment-reminder': appointmentText('appointment-reminder'),
};
