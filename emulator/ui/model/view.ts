/**
 * What the trainer's page shows, as plain data computed from the lab timeline (emulator/events.ts): the
 * lab picture, the ladder of exchanges, each phone's screen, each device's log, the scenario's steps.
 * The live page receives it as patches (one entity each) and the report file embeds it whole, so the
 * page code only draws; every decision about what an event means is made here.
 */

/** How a thing went, as the page colours it. */
export type Tone = 'ok' | 'bad' | 'warn' | 'info';

export interface Fact {
  label: string;
  value: string;
  tone?: Tone;
}

/** A state worth seeing at a glance on a device in the picture (registered, trust lists, CAPF). */
export interface Badge {
  label: string;
  value: string;
  tone: Tone;
}

export interface DeviceView {
  name: string;
  /** The device kind (cucm, phone, expressway-e, ...), from `device.started`; null until known. */
  kind: string | null;
  address: string | null;
  ports: { proto: string; port: number; service: string | null }[];
  running: boolean;
  badges: Badge[];
  /** Seq of the first event that named this device: the lane order of the ladder. */
  firstSeq: number;
}

/** Two devices that have exchanged something, drawn in the picture once they have. */
export interface LinkView {
  id: string;
  /** The device that opened the exchange (client) and the one that answered. */
  from: string;
  to: string;
  services: string[];
  count: number;
  failed: number;
  lastTone: Tone;
  lastSeq: number;
}

/** A certificate as a person checks it: who, by whom, which, and whether it was valid at the time. */
export interface CertView {
  subject: string;
  issuer: string;
  serial: string;
  sha256: string;
  notBefore: string;
  notAfter: string;
  keyType: string;
  selfSigned: boolean;
  /** Validity at the moment of the exchange. */
  validity: 'valid' | 'expired' | 'not yet valid' | 'unknown';
  /** Extensions, when the event carries them (subjectAltName, keyUsage, extendedKeyUsage, ...). */
  extensions: Fact[];
}

/** A trust decision one end made (layer one: the chain; layer two: the product's own rule). */
export interface Decision {
  device: string;
  role: string;
  accepted: boolean;
  /** The product rule's reason, as the device model gave it. */
  reason: string;
  alert: string | null;
  /** The rule that decided (its stable id and name), when the device model names it. */
  rule: { id: string; name: string } | null;
}

/** `warn`: did not succeed, and usually does not matter (a TFTP file the cluster does not have). */
export type RowOutcome = 'ok' | 'refused' | 'failed' | 'warn' | 'pending' | 'info';

export interface RowDetail {
  facts: Fact[];
  certificates: { label: string; cert: CertView }[];
  decisions: Decision[];
  /** Longer text (an admin command's output). */
  text: string | null;
}

/** One line of the ladder: an exchange between two lanes, a note on one lane, or a scenario step. */
export interface LadderRow {
  id: string;
  /** Seq of the first and the last event the row renders: the selected row filters the logs to them. */
  seq: number;
  lastSeq: number;
  /** Milliseconds since the lab started, of the first event. */
  t: number;
  /** Logs shown for this row start here (a status message shows the lines that led to it). */
  logFrom: number;
  shape: 'exchange' | 'note' | 'step';
  from: string;
  /** The answering lane of an exchange; null for a note or a step. */
  to: string | null;
  /** What kind of exchange: TFTP, TLS, TVS, CAPF, SIP, SCCP, HTTPS, admin, status, ... */
  protocol: string;
  title: string;
  outcome: RowOutcome;
  /** Why it failed, in one line (null when it did not). */
  reason: string | null;
  detail: RowDetail;
}

export interface LogLine {
  seq: number;
  t: number;
  device: string;
  source: string;
  level: string;
  text: string;
}

export interface StatusMessage {
  seq: number;
  text: string;
  tone: Tone;
}

/** A phone's screen as its user sees it (Settings > Status and Settings > Security > Trust List). */
export interface PhoneScreen {
  device: string;
  kind: string | null;
  model: string | null;
  registration: { state: string; detail: string; secure: boolean; tone: Tone } | null;
  status: StatusMessage[];
  /** The Trust List menu: MD5 of each file held, 'Not Installed', or null when no event said. */
  trustList: { ctl: string | null; itl: string | null };
  call: { peer: string; icon: string; media: string; state: string; tone: Tone } | null;
  capf: { operation: string; status: string; tone: Tone } | null;
}

export interface StepView {
  index: number;
  title: string;
  explain: string;
  type: 'action' | 'expect' | null;
  state: 'pending' | 'running' | 'done' | 'held' | 'failed';
  saw: string | null;
  seq: number | null;
}

export interface LabHeader {
  name: string;
  block: string | null;
  started: string | null;
  stopped: string | null;
  events: number;
  lastSeq: number;
  /**
   * What the view let go to stay bounded in a long-running lab: ladder rows and log lines older than
   * the window (`limits`) it keeps. The devices, links, screens and steps are kept whole.
   */
  dropped: { rows: number; logs: number };
  limits: { rows: number; logs: number };
  /** A lab of many phones (model/fleet.ts): drawn as one box, one lane and a grid of tiles. */
  fleet: FleetView | null;
}

/**
 * The devices of this kind are a fleet: the picture shows the device named `lane` (their counts) in
 * their place, the ladder gives them that one lane, the screens panel shows them as tiles.
 */
export interface FleetView {
  lane: string;
  kind: string;
  members: number;
}

/** Positions of the devices in the picture, computed from devices and links (emulator/ui/layout.ts). */
export interface Layout {
  width: number;
  height: number;
  nodes: { name: string; x: number; y: number; w: number; h: number }[];
}

export interface LabView {
  schemaVersion: 1;
  lab: LabHeader;
  devices: DeviceView[];
  links: LinkView[];
  rows: LadderRow[];
  logs: LogLine[];
  screens: PhoneScreen[];
  steps: StepView[];
  layout: Layout | null;
}

/** One changed entity: the page applies patches in order (upsert by key, or append). */
export type Patch =
  | { k: 'lab'; v: LabHeader }
  | { k: 'device'; v: DeviceView }
  | { k: 'link'; v: LinkView }
  | { k: 'row'; v: LadderRow }
  | { k: 'log'; v: LogLine }
  | { k: 'screen'; v: PhoneScreen }
  | { k: 'step'; v: StepView }
  | { k: 'layout'; v: Layout };
