import type { PatientInput } from '../modules/patients/patients.schemas.js';

/** Realistic, reproducible synthetic patients (Spanish names, DNI-style documents). */

const FEMALE = [
  'María',
  'Lucía',
  'Carmen',
  'Ana',
  'Laura',
  'Marta',
  'Sofía',
  'Paula',
  'Elena',
  'Isabel',
  'Cristina',
  'Julia',
  'Irene',
  'Nuria',
  'Raquel',
  'Pilar',
  'Rocío',
  'Beatriz',
  'Alba',
  'Silvia',
  'Inés',
  'Andrea',
  'Clara',
  'Mónica',
  'Ángela',
  'Begoña',
  'Concepción',
  'Dolores',
  'Montserrat',
  'Noelia',
  'Teresa',
  'Verónica',
  'Lourdes',
  'Zoé',
];
const MALE = [
  'José',
  'Antonio',
  'Manuel',
  'Francisco',
  'David',
  'Juan',
  'Javier',
  'Daniel',
  'Carlos',
  'Jesús',
  'Alejandro',
  'Miguel',
  'Rafael',
  'Pablo',
  'Sergio',
  'Fernando',
  'Jorge',
  'Luis',
  'Alberto',
  'Álvaro',
  'Adrián',
  'Diego',
  'Raúl',
  'Iván',
  'Rubén',
  'Óscar',
  'Andrés',
  'Ramón',
  'Joaquín',
  'Íñigo',
  'Martín',
  'Hugo',
  'Nicolás',
  'Tomás',
];
const SURNAMES = [
  'García',
  'Rodríguez',
  'González',
  'Fernández',
  'López',
  'Martínez',
  'Sánchez',
  'Pérez',
  'Gómez',
  'Martín',
  'Jiménez',
  'Ruiz',
  'Hernández',
  'Díaz',
  'Moreno',
  'Muñoz',
  'Álvarez',
  'Romero',
  'Alonso',
  'Gutiérrez',
  'Navarro',
  'Torres',
  'Domínguez',
  'Vázquez',
  'Ramos',
  'Gil',
  'Ramírez',
  'Serrano',
  'Blanco',
  'Molina',
  'Morales',
  'Suárez',
  'Ortega',
  'Delgado',
  'Castro',
  'Ortiz',
  'Rubio',
  'Marín',
  'Sanz',
  'Núñez',
  'Iglesias',
  'Medina',
  'Garrido',
  'Cortés',
  'Castillo',
  'Santos',
  'Lozano',
  'Guerrero',
  'Cano',
  'Prieto',
  'Méndez',
  'Cruz',
  'Calvo',
  'Gallego',
  'Peña',
  'Ibáñez',
  'Echeverría',
  'Zubizarreta',
  'Belén',
  'Quiñones',
];
const CITIES = [
  'Madrid',
  'Sevilla',
  'Valencia',
  'Bilbao',
  'Zaragoza',
  'Málaga',
  'Granada',
  'Salamanca',
  'A Coruña',
  'Córdoba',
];
const STREETS = [
  'Calle Mayor',
  'Avenida de la Constitución',
  'Calle Real',
  'Paseo del Prado',
  'Calle de Alcalá',
  'Gran Vía',
];
const ALLERGIES = ['Penicilina', 'Látex', 'Ibuprofeno', 'Polen', 'Frutos secos', 'Lidocaína'];
const BLOOD = ['A+', 'A-', 'B+', 'B-', 'AB+', 'AB-', 'O+', 'O-'] as const;

/** Small, fast, seedable PRNG (mulberry32): the same seed gives the same patients. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
  return { next, pick, int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)) };
}

/** Spanish DNI: eight digits and the check letter derived from them. */
export function dni(n: number): string {
  const digits = String(n % 100_000_000).padStart(8, '0');
  return `${digits}${'TRWAGMYFPDXBNJZSQVHLCKE'[Number(digits) % 23]}`;
}

export function syntheticPatient(rand: ReturnType<typeof prng>, documentSerial: number): PatientInput {
  const female = rand.next() < 0.5;
  const year = rand.int(1930, 2022);
  const birthDate = `${year}-${String(rand.int(1, 12)).padStart(2, '0')}-${String(rand.int(1, 28)).padStart(2, '0')}`;
  const firstName = rand.pick(female ? FEMALE : MALE);
  const lastName = `${rand.pick(SURNAMES)} ${rand.pick(SURNAMES)}`;
  const city = rand.pick(CITIES);
  const allergies = rand.next() < 0.2 ? [rand.pick(ALLERGIES)] : [];
  return {
    documentNumber: dni(documentSerial),
    firstName,
    lastName,
    birthDate,
    sex: female ? 'female' : 'male',
    phone: `+34 6${rand.int(10, 99)} ${rand.int(100, 999)} ${rand.int(100, 999)}`,
    email: `${firstName}.${lastName.split(' ')[0]}${rand.int(1, 999)}@example.com`
      .normalize('NFD')
      .replace(/\p{M}/gu, '')
      .toLowerCase(),
    address: {
      street: `${rand.pick(STREETS)} ${rand.int(1, 200)}`,
      city,
      postalCode: String(rand.int(10000, 52999)),
      country: 'ES',
    },
    allergies,
    bloodType: rand.pick(BLOOD),
    category: rand.next() < 0.6 ? 'returning' : 'new',
  };
}
