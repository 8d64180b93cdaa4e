import type { Role } from './api/session';

/** Who may use each workspace: mirrors the server's route access (the server still decides). */
export const ACCESS = {
  patients: ['admissions', 'doctor', 'results', 'pharmacist', 'agent', 'admin'],
  registerPatient: ['admissions', 'doctor', 'admin'],
  editPatient: ['admissions', 'doctor', 'admin'],
  mergePatients: ['admissions', 'admin'],
  portal: ['patient'],
  /** The diary and the day's check-in: the desk, the doctors and administrators. */
  schedule: ['admissions', 'doctor', 'admin'],
  doctor: ['doctor'],
  /** Encounters (admissions, visits): opened and discharged by the desk and the doctors. */
  encounters: ['admissions', 'doctor'],
  results: ['results'],
  /** A patient's document folder: filed, uploaded and deleted by the doctors and the results desk. */
  documents: ['doctor', 'results'],
  pharmacy: ['pharmacist'],
  /** The pharmacy's figures: the pharmacists, and administrators overseeing the stock. */
  pharmacyDashboard: ['pharmacist', 'admin'],
  /** Invoices: billed by the desk and the pharmacy, overseen by administrators. */
  billing: ['admissions', 'pharmacist', 'admin'],
  /** The incident queue and its conversations: the agents, and administrators overseeing them. */
  helpdesk: ['agent', 'admin'],
  admin: ['admin'],
  account: ['patient', 'admissions', 'doctor', 'results', 'pharmacist', 'agent', 'admin'],
} as const satisfies Record<string, readonly Role[]>;

export interface NavItem {
  to: string;
  label: string;
  roles: readonly Role[];
}
