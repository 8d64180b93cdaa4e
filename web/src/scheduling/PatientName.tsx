import { usePatient } from './queries';

/** "PT00001 Lucía Fernández": appointments carry only the patient's id. */
export function PatientName({ id, withNumber = false }: { id: string; withNumber?: boolean }) {
  const patient = usePatient(id).data;
  if (!patient) return '…';
  const name = `${patient.firstName} ${patient.lastName}`;
  return withNumber ? `${patient.patientNumber} ${name}` : name;
}
