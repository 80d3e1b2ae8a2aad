/**
 * CUCM's LSC / CAPF certificate operation status (`device.tkcertificatestatus`), as the admin page
 * "Certificate Operation Status" and `run sql select name,tkcertificatestatus ...` show it.
 * Source: seed 003, "Understand LSC Installation Status" (enum, name, moniker), wording exact.
 */

export interface LscStatus {
  readonly enum: number;
  /** What the CUCM admin page prints, e.g. `Upgrade Failed: Invalid Authentication String`. */
  readonly name: string;
  /** The database moniker, e.g. `CERT_STATUS_UPGRADE_FAIL_INVALID_AUTH_STR`. */
  readonly moniker: string;
}

export const LSC_STATUSES: readonly LscStatus[] = [
  { enum: 1, name: 'None', moniker: 'CERT_STATUS_NONE' },
  { enum: 2, name: 'Operation Pending', moniker: 'CERT_STATUS_SCHEDULE' },
  { enum: 3, name: 'Upgrade Success', moniker: 'CERT_STATUS_UPGRADE_SUCCESS' },
  { enum: 4, name: 'Delete Success', moniker: 'CERT_STATUS_DELETE_SUCCESS' },
  { enum: 5, name: 'Troubleshoot Success', moniker: 'CERT_STATUS_TROUBLESHOOT_SUCCESS' },
  { enum: 6, name: 'Upgrade Failed', moniker: 'CERT_STATUS_UPGRADE_FAIL' },
  { enum: 7, name: 'Delete Failed', moniker: 'CERT_STATUS_DELETE_FAIL' },
  { enum: 8, name: 'Troubleshoot Failed', moniker: 'CERT_STATUS_TROUBLESHOOT_FAIL' },
  { enum: 9, name: 'Upgrade Failed: Invalid LSC', moniker: 'CERT_STATUS_UPGRADE_FAIL_INVALID_LSC' },
  {
    enum: 10,
    name: 'Upgrade Failed: Invalid Authentication String',
    moniker: 'CERT_STATUS_UPGRADE_FAIL_INVALID_AUTH_STR',
  },
  { enum: 11, name: 'Upgrade Failed: Invalid MIC', moniker: 'CERT_STATUS_UPGRADE_FAIL_INVALID_MIC' },
  {
    enum: 12,
    name: 'Upgrade Failed: Invalid Credentials',
    moniker: 'CERT_STATUS_UPGRADE_FAIL_INVALID_CREDENTIALS',
  },
  {
    enum: 13,
    name: 'Upgrade Failed: Phone Communication Failure',
    moniker: 'CERT_STATUS_UPGRADE_FAIL_PHONE_COMM_ERROR',
  },
  {
    enum: 14,
    name: 'Upgrade Failed: Key Generation Failed/Timeout',
    moniker: 'CERT_STATUS_UPGRADE_FAIL_OP_TIMED_OUT',
  },
  {
    enum: 15,
    name: 'Upgrade Failed: CA Communication Failure',
    moniker: 'CERT_STATUS_UPGRADE_FAIL_CA_COMM_ERROR',
  },
  { enum: 16, name: 'Upgrade Failed: CA Rejected Connection', moniker: 'CERT_STATUS_UPGRADE_FAIL_CA_REJECT' },
  {
    enum: 17,
    name: 'Upgrade Failed: User Initiated Request Late/Timeout',
    moniker: 'CERT_STATUS_UPGRADE_FAIL_LATE_REQUEST',
  },
  { enum: 18, name: 'Delete Failed: Invalid LSC', moniker: 'CERT_STATUS_DELETE_FAIL_INVALID_LSC' },
  {
    enum: 19,
    name: 'Delete Failed: Invalid Authentication String',
    moniker: 'CERT_STATUS_DELETE_FAIL_INVALID_AUTH_STR',
  },
  { enum: 20, name: 'Delete Failed: Invalid MIC', moniker: 'CERT_STATUS_DELETE_FAIL_INVALID_MIC' },
  {
    enum: 21,
    name: 'Delete Failed: Invalid Credentials',
    moniker: 'CERT_STATUS_DELETE_FAIL_INVALID_CREDENTIALS',
  },
  {
    enum: 22,
    name: 'Delete Failed: Phone Communication Failure',
    moniker: 'CERT_STATUS_DELETE_FAIL_PHONE_COMM_ERROR',
  },
  {
    enum: 23,
    name: 'Delete Failed: Key Generation Failed/Timeout',
    moniker: 'CERT_STATUS_DELETE_FAIL_OP_TIMED_OUT',
  },
  {
    enum: 24,
    name: 'Delete Failed: CA Communication Failure',
    moniker: 'CERT_STATUS_DELETE_FAIL_CA_COMM_ERROR',
  },
  { enum: 25, name: 'Delete Failed: CA Rejected Connection', moniker: 'CERT_STATUS_DELETE_FAIL_CA_REJECT' },
  {
    enum: 26,
    name: 'Delete Failed: User Initiated Request Late/Timeout',
    moniker: 'CERT_STATUS_DELETE_FAIL_LATE_REQUEST',
  },
  {
    enum: 27,
    name: 'Troubleshoot Failed: Invalid LSC',
    moniker: 'CERT_STATUS_TROUBLESHOOT_FAIL_INVALID_LSC',
  },
  {
    enum: 28,
    name: 'Troubleshoot Failed: Invalid Authentication String',
    moniker: 'CERT_STATUS_TROUBLESHOOT_FAIL_INVALID_AUTH_STR',
  },
  {
    enum: 29,
    name: 'Troubleshoot Failed: Invalid MIC',
    moniker: 'CERT_STATUS_TROUBLESHOOT_FAIL_INVALID_MIC',
  },
  {
    enum: 30,
    name: 'Troubleshoot Failed: Invalid Credentials',
    moniker: 'CERT_STATUS_TROUBLESHOOT_FAIL_INVALID_CREDENTIALS',
  },
  {
    enum: 31,
    name: 'Troubleshoot Failed: Phone Communication Failure',
    moniker: 'CERT_STATUS_TROUBLESHOOT_FAIL_PHONE_COMM_ERROR',
  },
  {
    enum: 32,
    name: 'Troubleshoot Failed: Key Generation Failed/Timeout',
    moniker: 'CERT_STATUS_TROUBLESHOOT_FAIL_OP_TIMED_OUT',
  },
  {
    enum: 33,
    name: 'Troubleshoot Failed: User Initiated Request Late/Timeout',
    moniker: 'CERT_STATUS_TROUBLESHOOT_FAIL_LATE_REQUEST',
  },
];

const BY_ENUM = new Map(LSC_STATUSES.map((s) => [s.enum, s]));
const BY_MONIKER = new Map(LSC_STATUSES.map((s) => [s.moniker, s]));

export function lscStatus(e: number): LscStatus | undefined {
  return BY_ENUM.get(e);
}

export function lscStatusByMoniker(moniker: string): LscStatus | undefined {
  return BY_MONIKER.get(moniker);
}

/** Named constants for the common ones, so device code reads as the admin page does. */
export const LscStatusCode = {
  NONE: 1,
  OPERATION_PENDING: 2,
  UPGRADE_SUCCESS: 3,
  DELETE_SUCCESS: 4,
  TROUBLESHOOT_SUCCESS: 5,
  UPGRADE_FAILED: 6,
  UPGRADE_FAILED_INVALID_LSC: 9,
  UPGRADE_FAILED_INVALID_AUTH_STRING: 10,
  UPGRADE_FAILED_INVALID_MIC: 11,
  UPGRADE_FAILED_INVALID_CREDENTIALS: 12,
  UPGRADE_FAILED_PHONE_COMM: 13,
  UPGRADE_FAILED_KEYGEN_TIMEOUT: 14,
  UPGRADE_FAILED_LATE_REQUEST: 17,
} as const;
