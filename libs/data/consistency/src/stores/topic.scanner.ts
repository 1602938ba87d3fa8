// The checker's stores read topics with infra-kafka's scanner (shared with the dead-letter replay).
export { scanTopic, type ScanOptions, type ScannedMessage } from '@mch/infra-kafka';
