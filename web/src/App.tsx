import { Center, Loader } from '@mantine/core';
import { type ComponentType, lazy, type ReactNode, Suspense } from 'react';
import { Navigate, Route, Routes, useLocation, useSearchParams } from 'react-router';
import type { Role } from './api/session';
import { hasRole, useSession } from './auth/useSession';
import { Shell, useNavItems } from './components/Shell';
import { ACCESS } from './nav';
import { LoginPage } from './pages/LoginPage';

// Workspaces load on first use: the sign-in page needs none of them.
const page = <K extends string>(load: () => Promise<Record<K, ComponentType>>, name: K) =>
  lazy(async () => ({ default: (await load())[name] }));
const AccountPage = page(() => import('./pages/AccountPage'), 'AccountPage');
const AuditPage = page(() => import('./pages/AuditPage'), 'AuditPage');
const BackupsPage = page(() => import('./pages/BackupsPage'), 'BackupsPage');
const AuthCallbackPage = page(() => import('./pages/AuthCallbackPage'), 'AuthCallbackPage');
const CalendarPage = page(() => import('./pages/CalendarPage'), 'CalendarPage');
const DoctorPage = page(() => import('./pages/DoctorPage'), 'DoctorPage');
const HelpdeskPage = page(() => import('./pages/HelpdeskPage'), 'HelpdeskPage');
const IncidentPage = page(() => import('./pages/IncidentPage'), 'IncidentPage');
const InvoicePage = page(() => import('./pages/InvoicePage'), 'InvoicePage');
const InvoicesPage = page(() => import('./pages/InvoicesPage'), 'InvoicesPage');
const ForgotPasswordPage = page(() => import('./pages/ForgotPasswordPage'), 'ForgotPasswordPage');
const MailPage = page(() => import('./pages/MailPage'), 'MailPage');
const PatientDetailPage = page(() => import('./pages/PatientDetailPage'), 'PatientDetailPage');
const PatientFormPage = page(() => import('./pages/PatientFormPage'), 'PatientFormPage');
const PatientsPage = page(() => import('./pages/PatientsPage'), 'PatientsPage');
const PortalAppointmentsPage = page(() => import('./pages/PortalAppointmentsPage'), 'PortalAppointmentsPage');
const PortalDocumentsPage = page(() => import('./pages/PortalDocumentsPage'), 'PortalDocumentsPage');
const PortalIncidentPage = page(() => import('./pages/PortalIncidentPage'), 'PortalIncidentPage');
const PortalIncidentsPage = page(() => import('./pages/PortalIncidentsPage'), 'PortalIncidentsPage');
const PortalInvoicesPage = page(() => import('./pages/PortalInvoicesPage'), 'PortalInvoicesPage');
const PortalPage = page(() => import('./pages/PortalPage'), 'PortalPage');
const PortalRecordPage = page(() => import('./pages/PortalRecordPage'), 'PortalRecordPage');
const PharmacyDashboardPage = page(() => import('./pages/PharmacyDashboardPage'), 'PharmacyDashboardPage');
const PharmacyDispensePage = page(() => import('./pages/PharmacyDispensePage'), 'PharmacyDispensePage');
const PharmacyNewPurchaseOrderPage = page(
  () => import('./pages/PharmacyNewPurchaseOrderPage'),
  'PharmacyNewPurchaseOrderPage',
);
const PharmacyProductsPage = page(() => import('./pages/PharmacyProductsPage'), 'PharmacyProductsPage');
const PharmacyPurchaseOrderPage = page(() => import('./pages/PharmacyPurchaseOrderPage'), 'PharmacyPurchaseOrderPage');
const PharmacyPurchaseOrdersPage = page(
  () => import('./pages/PharmacyPurchaseOrdersPage'),
  'PharmacyPurchaseOrdersPage',
);
const PharmacyStockPage = page(() => import('./pages/PharmacyStockPage'), 'PharmacyStockPage');
const PharmacyVendorsPage = page(() => import('./pages/PharmacyVendorsPage'), 'PharmacyVendorsPage');
const PractitionerPage = page(() => import('./pages/PractitionerPage'), 'PractitionerPage');
const PractitionersPage = page(() => import('./pages/PractitionersPage'), 'PractitionersPage');
const SystemPage = page(() => import('./pages/SystemPage'), 'SystemPage');
const TodayPage = page(() => import('./pages/TodayPage'), 'TodayPage');
const TreatmentsPage = page(() => import('./pages/TreatmentsPage'), 'TreatmentsPage');
const UsersPage = page(() => import('./pages/UsersPage'), 'UsersPage');
const RegisterPage = page(() => import('./pages/RegisterPage'), 'RegisterPage');
const ResultsDeskPage = page(() => import('./pages/ResultsDeskPage'), 'ResultsDeskPage');
const ResetPasswordPage = page(() => import('./pages/ResetPasswordPage'), 'ResetPasswordPage');

/**
 * Opened from e-mail links, so they show whether or not this browser is signed in (maybe as someone else);
 * and the return from the identity provider, which signs in whoever it brings back.
 */
const PUBLIC_PAGES: Record<string, ComponentType> = {
  '/auth/callback': AuthCallbackPage,
  '/forgot-password': ForgotPasswordPage,
  '/reset-password': ResetPasswordPage,
};

function Guard({ roles, children }: { roles: readonly Role[]; children: ReactNode }) {
  const session = useSession();
  if (!hasRole(session?.user.roles, roles)) return <Navigate to="/" replace />;
  return children;
}

/** Just signed in: on to where the user was going, or their first workspace. */
function AfterSignIn() {
  const [params] = useSearchParams();
  const next = params.get('next');
  if (next?.startsWith('/') && !next.startsWith('//') && !next.startsWith('/login'))
    return <Navigate to={next} replace />;
  return <Navigate to="/" replace />;
}

function Home() {
  const items = useNavItems();
  const first = items[0];
  if (!first)
    return (
      <Center h={200}>
        <Loader />
      </Center>
    );
  return <Navigate to={first.to} replace />;
}

export function App() {
  const session = useSession();
  const location = useLocation();
  const Public = PUBLIC_PAGES[location.pathname] ?? (!session && location.pathname === '/register' && RegisterPage);
  if (Public)
    return (
      <Suspense fallback={<Loader />}>
        <Public />
      </Suspense>
    );
  if (!session) {
    if (location.pathname !== '/login') {
      const next = location.pathname === '/' ? '' : `?next=${encodeURIComponent(location.pathname + location.search)}`;
      return <Navigate to={`/login${next}`} replace />;
    }
    return <LoginPage />;
  }
  return (
    <Shell>
      <Suspense fallback={<Loader />}>
        <Routes>
          <Route path="/" element={<Home />} />
          <Route path="/login" element={<AfterSignIn />} />
          <Route path="/register" element={<Navigate to="/" replace />} />
          <Route
            path="/patients"
            element={
              <Guard roles={ACCESS.patients}>
                <PatientsPage />
              </Guard>
            }
          />
          <Route
            path="/patients/new"
            element={
              <Guard roles={ACCESS.registerPatient}>
                <PatientFormPage />
              </Guard>
            }
          />
          <Route
            path="/patients/:id"
            element={
              <Guard roles={[...ACCESS.patients, ...ACCESS.portal]}>
                <PatientDetailPage />
              </Guard>
            }
          />
          <Route
            path="/patients/:id/edit"
            element={
              <Guard roles={ACCESS.editPatient}>
                <PatientFormPage />
              </Guard>
            }
          />
          <Route
            path="/portal"
            element={
              <Guard roles={ACCESS.portal}>
                <PortalPage />
              </Guard>
            }
          />
          <Route
            path="/portal/appointments"
            element={
              <Guard roles={ACCESS.portal}>
                <PortalAppointmentsPage />
              </Guard>
            }
          />
          <Route
            path="/portal/record"
            element={
              <Guard roles={ACCESS.portal}>
                <PortalRecordPage />
              </Guard>
            }
          />
          <Route
            path="/portal/documents"
            element={
              <Guard roles={ACCESS.portal}>
                <PortalDocumentsPage />
              </Guard>
            }
          />
          <Route
            path="/portal/invoices"
            element={
              <Guard roles={ACCESS.portal}>
                <PortalInvoicesPage />
              </Guard>
            }
          />
          <Route
            path="/portal/incidents"
            element={
              <Guard roles={ACCESS.portal}>
                <PortalIncidentsPage />
              </Guard>
            }
          />
          <Route
            path="/portal/incidents/:id"
            element={
              <Guard roles={ACCESS.portal}>
                <PortalIncidentPage />
              </Guard>
            }
          />
          <Route
            path="/calendar"
            element={
              <Guard roles={ACCESS.schedule}>
                <CalendarPage />
              </Guard>
            }
          />
          <Route
            path="/today"
            element={
              <Guard roles={ACCESS.schedule}>
                <TodayPage />
              </Guard>
            }
          />
          <Route
            path="/doctor"
            element={
              <Guard roles={ACCESS.doctor}>
                <DoctorPage />
              </Guard>
            }
          />
          <Route
            path="/results"
            element={
              <Guard roles={ACCESS.results}>
                <ResultsDeskPage />
              </Guard>
            }
          />
          <Route
            path="/pharmacy"
            element={
              <Guard roles={ACCESS.pharmacyDashboard}>
                <PharmacyDashboardPage />
              </Guard>
            }
          />
          <Route
            path="/pharmacy/dispense"
            element={
              <Guard roles={ACCESS.pharmacy}>
                <PharmacyDispensePage />
              </Guard>
            }
          />
          <Route
            path="/pharmacy/stock"
            element={
              <Guard roles={ACCESS.pharmacy}>
                <PharmacyStockPage />
              </Guard>
            }
          />
          <Route
            path="/pharmacy/products"
            element={
              <Guard roles={ACCESS.pharmacy}>
                <PharmacyProductsPage />
              </Guard>
            }
          />
          <Route
            path="/pharmacy/purchase-orders"
            element={
              <Guard roles={ACCESS.pharmacy}>
                <PharmacyPurchaseOrdersPage />
              </Guard>
            }
          />
          <Route
            path="/pharmacy/purchase-orders/new"
            element={
              <Guard roles={ACCESS.pharmacy}>
                <PharmacyNewPurchaseOrderPage />
              </Guard>
            }
          />
          <Route
            path="/pharmacy/purchase-orders/:id"
            element={
              <Guard roles={ACCESS.pharmacy}>
                <PharmacyPurchaseOrderPage />
              </Guard>
            }
          />
          <Route
            path="/pharmacy/vendors"
            element={
              <Guard roles={ACCESS.pharmacy}>
                <PharmacyVendorsPage />
              </Guard>
            }
          />
          <Route
            path="/invoices"
            element={
              <Guard roles={ACCESS.billing}>
                <InvoicesPage />
              </Guard>
            }
          />
          <Route
            path="/invoices/:id"
            element={
              <Guard roles={ACCESS.billing}>
                <InvoicePage />
              </Guard>
            }
          />
          <Route
            path="/helpdesk"
            element={
              <Guard roles={ACCESS.helpdesk}>
                <HelpdeskPage />
              </Guard>
            }
          />
          <Route
            path="/helpdesk/:id"
            element={
              <Guard roles={ACCESS.helpdesk}>
                <IncidentPage />
              </Guard>
            }
          />
          {/* Where the incident e-mails to agents lead. */}
          <Route
            path="/helpdesk/incidents/:id"
            element={
              <Guard roles={ACCESS.helpdesk}>
                <IncidentPage />
              </Guard>
            }
          />
          <Route
            path="/admin/users"
            element={
              <Guard roles={ACCESS.admin}>
                <UsersPage />
              </Guard>
            }
          />
          <Route
            path="/admin/practitioners"
            element={
              <Guard roles={ACCESS.admin}>
                <PractitionersPage />
              </Guard>
            }
          />
          <Route
            path="/admin/practitioners/:id"
            element={
              <Guard roles={ACCESS.admin}>
                <PractitionerPage />
              </Guard>
            }
          />
          <Route
            path="/admin/treatments"
            element={
              <Guard roles={ACCESS.admin}>
                <TreatmentsPage />
              </Guard>
            }
          />
          <Route
            path="/admin/audit"
            element={
              <Guard roles={ACCESS.admin}>
                <AuditPage />
              </Guard>
            }
          />
          <Route
            path="/admin/mail"
            element={
              <Guard roles={ACCESS.admin}>
                <MailPage />
              </Guard>
            }
          />
          <Route
            path="/admin/system"
            element={
              <Guard roles={ACCESS.admin}>
                <SystemPage />
              </Guard>
            }
          />
          <Route
            path="/admin/backups"
            element={
              <Guard roles={ACCESS.admin}>
                <BackupsPage />
              </Guard>
            }
          />
          <Route path="/account" element={<AccountPage />} />
          <Route path="*" element={<Navigate to="/" replace />} />
        </Routes>
      </Suspense>
    </Shell>
  );
}
