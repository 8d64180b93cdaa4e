import type { IncidentMail, Language, MailContext, TemplateText } from '../templates.js';
import type { MailContent } from './compose.js';

export type IncidentTemplate =
  | 'incident-created'
  | 'incident-reply'
  | 'incident-new'
  | 'incident-assigned'
  | 'incident-reporter-replied';

/** Mail to the reporter can be answered by e-mail when an inbound mailbox is configured. */
export const REPORTER_TEMPLATES: ReadonlySet<string> = new Set(['incident-created', 'incident-reply']);

interface Wording {
  subject: (number: string, clinic: string) => string;
  title: string;
  intro: (number: string, clinic: string) => string;
}

const WORDING: Record<IncidentTemplate, Record<Language, Wording>> = {
  'incident-created': {
    es: {
      subject: (n, c) => `[${n}] Hemos recibido su incidencia · ${c}`,
      title: 'Incidencia recibida',
      intro: (n, c) => `Hemos registrado su incidencia ${n} en ${c}. Le avisaremos cuando le respondamos.`,
    },
    en: {
      subject: (n, c) => `[${n}] We have received your request · ${c}`,
      title: 'Request received',
      intro: (n, c) => `Your request ${n} has been registered at ${c}. We will let you know when we answer it.`,
    },
  },
  'incident-reply': {
    es: {
      subject: (n, c) => `[${n}] Nueva respuesta a su incidencia · ${c}`,
      title: 'Nueva respuesta',
      intro: (n) => `Hay una nueva respuesta a su incidencia ${n}:`,
    },
    en: {
      subject: (n, c) => `[${n}] New reply to your request · ${c}`,
      title: 'New reply',
      intro: (n) => `There is a new reply to your request ${n}:`,
    },
  },
  'incident-new': {
    es: {
      subject: (n, c) => `[${n}] Nueva incidencia en la cola · ${c}`,
      title: 'Nueva incidencia',
      intro: (n) => `Se ha registrado la incidencia ${n} y espera en la cola del servicio de atención.`,
    },
    en: {
      subject: (n, c) => `[${n}] New incident in the queue · ${c}`,
      title: 'New incident',
      intro: (n) => `Incident ${n} has been reported and is waiting in the helpdesk queue.`,
    },
  },
  'incident-assigned': {
    es: {
      subject: (n, c) => `[${n}] Se le ha asignado una incidencia · ${c}`,
      title: 'Incidencia asignada',
      intro: (n) => `Se le ha asignado la incidencia ${n}.`,
    },
    en: {
      subject: (n, c) => `[${n}] An incident was assigned to you · ${c}`,
      title: 'Incident assigned',
      intro: (n) => `Incident ${n} has been assigned to you.`,
    },
  },
  'incident-reporter-replied': {
    es: {
      subject: (n, c) => `[${n}] El solicitante ha respondido · ${c}`,
      title: 'Nueva respuesta del solicitante',
      intro: (n) => `La persona que comunicó la incidencia ${n} ha respondido.`,
    },
    en: {
      subject: (n, c) => `[${n}] The reporter replied · ${c}`,
      title: 'The reporter replied',
      intro: (n) => `The person who reported incident ${n} has replied.`,
    },
  },
};

const WORDS = {
  es: {
    number: 'Número',
    open: 'Ver la incidencia',
    byEmail: (n: string) => `Puede responder a este correo; conserve «[${n}]» en el asunto.`,
  },
  en: {
    number: 'Number',
    open: 'View the incident',
    byEmail: (n: string) => `You can reply to this e-mail; keep "[${n}]" in the subject.`,
  },
};

/**
 * The number and a link, never the subject or description (a mailbox is not a safe place
 * for health data). A reply to the reporter quotes the agent's public text only.
 */
const incidentText =
  (template: IncidentTemplate): TemplateText<IncidentTemplate> =>
  (data: IncidentMail, language: Language, context: MailContext): MailContent => {
    const wording = WORDING[template][language];
    const words = WORDS[language];
    const toReporter = REPORTER_TEMPLATES.has(template);
    const path = toReporter ? 'portal/incidents' : 'helpdesk/incidents';
    return {
      subject: wording.subject(data.number, context.clinicName),
      title: wording.title,
      intro: [wording.intro(data.number, context.clinicName), ...(data.reply ? [data.reply] : [])],
      details: [[words.number, data.number]],
      action: { label: words.open, url: `${context.publicUrl}/${path}/${data.incidentId}` },
      outro: toReporter && context.inboundAddress ? [words.byEmail(data.number)] : [],
    };
  };

export const INCIDENT_TEMPLATES: { [T in IncidentTemplate]: TemplateText<T> } = {
  'incident-created': incidentText('incident-created'),
  'incident-reply': incidentText('incident-reply'),
  'incident-new': incidentText('incident-new'),
  'incident-assigned': incidentText('incident-assigned'),
  'incident-reporter-replied': incidentText('incident-reporter-replied'),
};
