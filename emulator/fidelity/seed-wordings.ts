/**
 * The product wordings the lab's devices print that a seed shows: which seed, which line of its plain-text
 * copy, and the line as a template. This table is what makes a log line "seed wording" rather than
 * modelled (architecture decision 7); docs/reference/seeds.md §5 is its narrative counterpart.
 *
 * A template is the product's line with `{name}` where the lab puts its own value (an address, a port, a
 * name, a number, a file, a time): the rule of docs/reference/seeds.md §5, "values in angle brackets are
 * the lab's own". Error reasons, alert names and detail strings are wording, not values, so they stay
 * fixed: the same line with another OpenSSL reason is the seed's pattern, not the seed's wording, and
 * classifies as modelled (docs/reference/seeds.md §5 marks those M or L).
 *
 * test/fidelity/seed-wordings.test.ts proves every fixed fragment of every template is in its seed's
 * text, within a few lines of `line`. The copies are plain text taken from web pages and mails: where the
 * copy garbled the product's line (a hyphen lost at a wrap, a dropped quote, markdown bold), the entry
 * says so in `copyArtifacts` as `[as the product prints it, as the copy reads]`, and the test applies
 * that substitution before it looks.
 */

export type SeedId = '000' | '001' | '002' | '003' | '004';

export interface SeedWording {
  /** Stable name: `<seed>-<what>`. */
  id: string;
  seed: SeedId;
  /** Line of the seed's plain-text copy where the wording starts. */
  line: number;
  /** The lab log sources that print it (documentation; matching does not depend on it). */
  sources: string[];
  /** The line as the product prints it; `{name}` marks a value of the lab's own. */
  template: string;
  /** How the seed's copy differs from the product's line: `[as printed, as the copy reads]`. */
  copyArtifacts?: [string, string][];
}

export const SEED_WORDINGS: readonly SeedWording[] = [
  // ------------------------------------------------------------------ seed 000: CUCM's SDL trace
  {
    id: '000-handle-ssl-error-rsa-padding',
    seed: '000',
    line: 79,
    sources: ['ccm'],
    // The copy wraps the line after "for" and repeats a `192956|` fragment: the mail's wrap of one long
    // trace line. What follows "for" is the peer; the lab writes its address and port there.
    template:
      'HandleSSLError - TLS protocol error(ssl reason code=block type is not 01 [106]),lib=rsa routines [4],fun=RSA_padding_check_PKCS1_type_1 [112], errno=12 for {peer}',
  },

  // ------------------------------------------------------------------ seed 001: Apache's error log
  {
    id: '001-ah02261-renegotiation-refused',
    seed: '001',
    line: 25,
    sources: ['error_log'],
    // The seed quotes the line from `[client`; Apache writes its time, module and pid before it.
    template:
      '{apache}[client {ip}:{port}] AH02261: Re-negotiation handshake failed: Not accepted by client!?',
  },

  // ------------------------------------------------------------------ seed 002: 79xx console, CUCM traces
  {
    id: '002-secd-tl-request-file',
    seed: '002',
    line: 534,
    sources: ['console'],
    template: 'SECD: tlRequestFile: Request {file}',
  },
  {
    id: '002-tftp-requesting',
    seed: '002',
    line: 534,
    sources: ['console'],
    template: 'TFTP: [{n}]:Requesting {file} from {ip}',
  },
  {
    id: '002-tftp-finished',
    seed: '002',
    line: 534,
    sources: ['console'],
    template: 'TFTP: [{n}]:Finished --> rcvd {bytes} bytes',
  },
  {
    id: '002-ctftp-is-read-request',
    seed: '002',
    line: 544,
    sources: ['tftp'],
    template:
      'TFTPEngine::isReadRequest[{context}], [{file}] opcode(1), Mode({mode}), Serving Count({count})',
  },
  {
    id: '002-ctftp-transferred',
    seed: '002',
    line: 546,
    sources: ['tftp'],
    template: 'TID[{tid}] TFTPEngine::processMessage[{context}], Transferred[{file}] Socket[{socket}]',
  },
  {
    id: '002-secd-file-sign-verify-success',
    seed: '002',
    line: 564,
    sources: ['console'],
    template: 'SECD: validate_file_envelope: File sign verify SUCCESS; header length <{n}>',
  },
  {
    id: '002-status-trust-list-updated',
    seed: '002',
    line: 573,
    sources: ['status'],
    template: 'Trust List Updated',
  },
  {
    id: '002-status-trust-list-update-failed',
    seed: '002',
    line: 581,
    sources: ['status'],
    template: 'Trust List Update Failed',
  },
  {
    id: '002-status-trust-list-verification-failed',
    seed: '002',
    line: 583,
    sources: ['status'],
    template: 'Trust List Verification Failed',
  },
  {
    id: '002-capf-new-ph-conn',
    seed: '002',
    line: 730,
    sources: ['capf'],
    template: '{n}:UNKNOWN:Got a new ph conn {ip} on {fd}',
  },
  {
    id: '002-capf-tls-hs-done',
    seed: '002',
    line: 732,
    sources: ['capf'],
    template: 'TLS HS Done for ph_conn .',
  },
  {
    id: '002-capf-msg-auth-req',
    seed: '002',
    line: 734,
    sources: ['capf'],
    template: 'MsgType : CAPF_MSG_AUTH_REQ',
  },
  {
    id: '002-capf-msg-req-in-progress',
    seed: '002',
    line: 736,
    sources: ['capf'],
    template: 'MsgType : CAPF_MSG_REQ_IN_PROGRESS',
  },
  {
    id: '002-capf-core-request-in-progress',
    seed: '002',
    line: 738,
    sources: ['capf'],
    template:
      '{n}:{device}:CAPF CORE: Rcvd Event: CAPF_EV_REQUEST_IN_PROGRESS in State: CAPF_STATE_AWAIT_KEY_GEN_RES',
  },
  {
    id: '002-capf-incoming-phone-msg',
    seed: '002',
    line: 740,
    sources: ['capf'],
    template: '{n}:{device}:Incoming Phone Msg:',
  },
  {
    id: '002-capf-msg-key-gen-res',
    seed: '002',
    line: 742,
    sources: ['capf'],
    template: 'MsgType : CAPF_MSG_KEY_GEN_RES',
  },
  {
    id: '002-capf-generated-the-cert',
    seed: '002',
    line: 744,
    sources: ['capf'],
    template: 'Generated the cert',
  },
  {
    id: '002-capf-certificate-upgrade-successful',
    seed: '002',
    line: 746,
    sources: ['capf'],
    template: '{n}:{device}:Certificate upgrade successful',
  },
  {
    id: '002-sdi-verify-cb',
    seed: '002',
    line: 778,
    sources: ['ccm'],
    template: 'SdlSSLTCPListener::verify_cb pre-verified={n},cert verification errno={errno},depth={depth}',
  },
  {
    id: '002-sdi-new-connection-accepted',
    seed: '002',
    line: 780,
    sources: ['ccm'],
    template: 'New connection accepted. DeviceName={device}, TCPPid = [{pid}], IPAddr={ip}, Port={port},',
  },
  {
    id: '002-sdi-station-security-mode',
    seed: '002',
    line: 782,
    sources: ['ccm'],
    template: 'StationD: ({id}) ClusterSecurityMode = ({cluster}) DeviceSecurityMode = ({mode})',
  },
  {
    id: '002-sdi-tls-connection-cipher',
    seed: '002',
    line: 784,
    sources: ['ccm'],
    template:
      'StationD: ({id}) TLS Connection Cipher - INFO:deviceName={device}, Cipher={cipher}, Security Mode={mode}',
  },
  {
    id: '002-secd-sec-err-expired-cert',
    seed: '002',
    line: 870,
    sources: ['console'],
    template: 'SECD: EROR:clpSndStatus: ** SEC-ERR: code:5(SSL_ALERT) subcode:45(EXPIRED_CERT)',
  },
  {
    id: '002-secd-sec-err-desc-certificate-expired',
    seed: '002',
    line: 872,
    sources: ['console'],
    template: 'SECD: EROR:clpSndStatus: ** SEC-ERR: desc <certificate expired>',
  },
  {
    id: '002-status-no-valid-capf-server',
    seed: '002',
    line: 894,
    sources: ['status'],
    template: 'No valid CAPF server',
  },
  // `show ctl` (CLI output, one line each).
  {
    id: '002-show-ctl-length',
    seed: '002',
    line: 326,
    sources: ['cli'],
    template: 'Length of CTL file: {bytes}',
  },
  {
    id: '002-show-ctl-last-modified',
    seed: '002',
    line: 328,
    sources: ['cli'],
    template: 'The CTL File was last modified on {date}',
  },
  {
    id: '002-show-ctl-etoken-used',
    seed: '002',
    line: 388,
    sources: ['cli'],
    template: 'This etoken was used to sign the CTL file.',
  },
  {
    id: '002-show-ctl-etoken-not-used',
    seed: '002',
    line: 426,
    sources: ['cli'],
    template: 'This etoken was not used to sign the CTL file.',
  },
  {
    id: '002-show-ctl-verified',
    seed: '002',
    line: 498,
    sources: ['cli'],
    template: 'The CTL file was verified successfully.',
  },
  {
    id: '002-show-ctl-verification-failed',
    seed: '002',
    line: 591,
    sources: ['cli'],
    template: 'Verification of the CTL File Failed',
  },
  {
    id: '002-cli-restart-prompt',
    seed: '002',
    line: 188,
    sources: ['cli'],
    template: 'Do you really want to restart ?',
  },

  // ------------------------------------------------------------------ seed 003: Expressway, CUCM, TVS, DRF
  {
    id: '003-expressway-no-client-usage',
    seed: '003',
    line: 430,
    sources: ['management'],
    template:
      'Invalid certificate: The file provided does not have a client usage attribute. The certificate must be usable for both servers and clients for Unified Communications.',
    copyArtifacts: [['Invalid certificate: ', '**Invalid certificate:** ']],
  },
  {
    id: '003-expressway-no-server-usage',
    seed: '003',
    line: 449,
    sources: ['management'],
    template: 'Invalid certificate: The file provided does not have a server usage attribute',
    copyArtifacts: [['Invalid certificate: ', '**Invalid certificate:** ']],
  },
  {
    id: '003-tvcs-outbound-tls-unknown-ca',
    seed: '003',
    line: 487,
    sources: ['tvcs'],
    template:
      'Event="Outbound TLS Negotiation Error" Service="SIP" Src-ip="{ip}" Src-port="{port}" Dst-ip="{ip}" Dst-port="{port}" Detail="tlsv1 alert unknown ca" Protocol="TLS" Common-name="{name}" Level="{level}" UTCtime="{time}"',
  },
  {
    id: '003-discovery-certificate-does-not-match-host',
    seed: '003',
    line: 492,
    sources: ['management'],
    template:
      'UTCTime="{time}" Module="developer.management.cucmconfig" Level="WARN" CodeLocation="ucqueryrun(100)" Detail="Certificate validation failed" Host="{host}" Error="Server presented certificate that does not match host {host}: {certificate}"',
  },
  {
    id: '003-expressway-expired-trusted-ca',
    seed: '003',
    line: 547,
    sources: ['management'],
    template: 'Failed: Expired certificates or CRLs detected in trusted CA file',
  },
  {
    id: '003-regenerate-tvs-guard',
    seed: '003',
    line: 1155,
    sources: ['cli'],
    template:
      'CallManager certificate was modified in the last 5 minutes. Please re-try regenerating TVS certificate at a later time',
  },
  {
    id: '003-show-cert-list-own',
    seed: '003',
    line: 730,
    sources: ['cli'],
    template: '{unit}/{file}: Self-signed certificate generated by system',
  },
  {
    id: '003-show-cert-list-trust',
    seed: '003',
    line: 768,
    sources: ['cli'],
    template: '{store}/{file}: Trust Certificate',
  },
  {
    id: '003-show-cert-list-signed',
    seed: '003',
    line: 774,
    sources: ['cli'],
    template: '{store}/{file}: Signed Certificate',
  },
  {
    id: '003-itl-reset-password',
    seed: '003',
    line: 1179,
    sources: ['cli'],
    template: 'Enter CCM Administrator password :',
  },
  {
    id: '003-itl-reset-locating',
    seed: '003',
    line: 1181,
    sources: ['cli'],
    template: 'Locating active Tftp servers in the cluster.....',
  },
  {
    id: '003-itl-reset-list',
    seed: '003',
    line: 1183,
    sources: ['cli'],
    template: 'Following is the list of Active tftp servers in the cluster',
  },
  {
    id: '003-itl-reset-generated',
    seed: '003',
    line: 1186,
    sources: ['cli'],
    template: 'The reset ITL file was generated successfully',
  },
  {
    id: '003-itl-reset-transferring',
    seed: '003',
    line: 1188,
    sources: ['cli'],
    template: 'Transferring new reset ITL file to the TFTP server nodes in the cluster.....',
  },
  {
    id: '003-tvs-idle-tls-established',
    seed: '003',
    line: 1234,
    sources: ['tvs'],
    template: 'tvsIdleTLSEstablished',
  },
  {
    id: '003-tvs-starting-timer',
    seed: '003',
    line: 1235,
    sources: ['tvs'],
    template: 'Starting Timer after SSL Negotiation',
  },
  {
    id: '003-tvs-handle-cert-verification-req',
    seed: '003',
    line: 1239,
    sources: ['tvs'],
    template: 'tvsHandleCertVerificationReq',
  },
  {
    id: '003-tvs-db-cache-lookup',
    seed: '003',
    line: 1243,
    sources: ['tvs'],
    template:
      'CertificateDBCACHE::getCertificateInformation - Looking up the certificate cache using Unique MAP ID : {mapId}',
  },
  {
    id: '003-tvs-db-cache-not-found',
    seed: '003',
    line: 1244,
    sources: ['tvs'],
    template:
      'ERROR:CertificateDBCACHE::getCertificateInformation - Cannot find the certificate in the cache',
  },
  {
    id: '003-tvs-ctl-cache-lookup',
    seed: '003',
    line: 1245,
    sources: ['tvs'],
    template:
      'CertificateCTLCACHE::getCertificateInformation - Looking up the certificate cache using Unique MAP ID : {mapId}',
  },
  {
    id: '003-tvs-ctl-cache-not-found',
    seed: '003',
    line: 1246,
    sources: ['tvs'],
    template:
      'ERROR:CertificateCTLCACHE::getCertificateInformation - Cannot find the certificate in the cache',
  },
  {
    id: '003-tvs-certificate-not-found',
    seed: '003',
    line: 1247,
    sources: ['tvs'],
    template: 'getCertificateInformation(cert) : certificate not found',
  },
  {
    id: '003-tvs-no-associated-roles',
    seed: '003',
    line: 1248,
    sources: ['tvs'],
    template: '{n}:{device}:No associated roles found for the certificate in cache',
  },
  {
    id: '003-drf-client-socket-request',
    seed: '003',
    line: 1288,
    sources: ['drf'],
    template: 'drfNetServer.run: Received Client Socket request from /{ip}:{port}',
  },
  {
    id: '003-drf-validating-client',
    seed: '003',
    line: 1289,
    sources: ['drf'],
    template: 'Validating if client request is from a Node within the Cluster',
  },
  {
    id: '003-drf-validated-client',
    seed: '003',
    line: 1290,
    sources: ['drf'],
    template: 'Validated Client. IP = {ip} Hostname = {host}. Request is from a Node within the Cluster',
  },
  {
    id: '003-drf-output-stream',
    seed: '003',
    line: 1292,
    sources: ['drf'],
    template: 'drfNetServerWorker.drfNetServerWorker: Socket Object OutputStream to be created',
  },
  {
    id: '003-drf-unable-to-create-stream',
    seed: '003',
    line: 1293,
    sources: ['drf'],
    template: 'drfNetServerWorker.drfNetServerWorker: Unable to create input/output stream to client',
  },
  {
    id: '003-jsse-certificate-unknown',
    seed: '003',
    line: 1294,
    sources: ['drf', 'app'],
    template: 'Received fatal alert: certificate_unknown',
  },

  // ------------------------------------------------------------------ seed 004: Expressway traffic server
  {
    id: '004-ts-receive-request',
    seed: '004',
    line: 168,
    sources: ['traffic_server'],
    template:
      'UTCTime="{time}" Module="network.http.trafficserver" Level="INFO": Detail="Receive Request" Txn-id="{txn}" TrackingID="{tracking}" Src-ip="{ip}" Src-port="{port}" Last-via-addr="" Msg="{request}"',
    // Lines 364-365 of the same seed show `Last-via-` + `addr=""` across a wrap: the one-line copy lost the hyphen.
    copyArtifacts: [['Last-via-addr=""', 'Last-viaaddr=""']],
  },
  {
    id: '004-ts-request-allowed',
    seed: '004',
    line: 171,
    sources: ['traffic_server'],
    template:
      'Event="Request Allowed" Detail="Access allowed" Reason="In allow list" Username="{user}" Deployment="{deployment}" Method="{method}" Request="{url}" Match="prefix" Type="Automatically generated rule for CUCM server" UTCTime="{time}"',
  },
  {
    id: '004-ts-sending-request',
    seed: '004',
    line: 175,
    sources: ['traffic_server'],
    template:
      'UTCTime="{time}" Module="network.http.trafficserver" Level="INFO": Detail="Sending Request" Txn-id="{txn}" TrackingID="{tracking}" Dst-ip="{ip}" Dst-port="{port}" Msg="{request}"',
  },
  {
    id: '004-ts-sending-response',
    seed: '004',
    line: 188,
    sources: ['traffic_server'],
    template:
      'UTCTime="{time}" Module="network.http.trafficserver" Level="INFO": Detail="Sending Response" Txn-id="{txn}" TrackingID="{tracking}" Dst-ip="{ip}" Dst-port="{port}" Msg="HTTP/1.1 {status} {reason}"',
  },
  {
    id: '004-ts-receive-response',
    seed: '004',
    line: 179,
    sources: ['traffic_server'],
    template:
      'UTCTime="{time}" Module="network.http.trafficserver" Level="INFO": Detail="Receive Response" Txn-id="{txn}" TrackingID="{tracking}" Src-ip="{ip}" Src-port="{port}" Msg="HTTP/1.1 {status} {reason}"',
    // The copy dropped a quote: `TrackingID=" Src-ip=`; line 190 shows the empty `TrackingID=""`.
    copyArtifacts: [['TrackingID="{tracking}" Src-ip="', 'TrackingID=" Src-ip="']],
  },
  {
    id: '004-ts-core-server-verification-failed',
    seed: '004',
    line: 199,
    sources: ['traffic_server'],
    template:
      '[ET_NET {thread}] WARNING: Core server certificate verification failed for ({host}). Action=Terminate Error=self signed certificate server={host}({ip}) depth={depth}',
  },
  {
    id: '004-ts-sni-not-in-certificate',
    seed: '004',
    line: 379,
    sources: ['traffic_server'],
    template:
      '[ET_NET {thread}] WARNING: SNI ({host}) not in certificate. Action=Terminate server={host}({ip})',
  },
  {
    id: '004-ts-ssl-connection-failed',
    seed: '004',
    line: 383,
    sources: ['traffic_server'],
    template:
      "[ET_NET {thread}] ERROR: SSL connection failed for '{host}': error:1416F086:SSL routines:tls_process_server_certificate:certificate verify failed",
  },
  {
    id: '004-cli-verify-origin-server-off',
    seed: '004',
    line: 427,
    sources: ['cli'],
    template: 'xConfiguration EdgeConfigServer VerifyOriginServer: Off',
  },
];
