export * from './parameter-key';
export * from './secure-value';
export * from './secure-string-parameter';
export * from './parameter-policy';
export * from './parameter-hierarchy';
export * from './parameter-events';
export * from './parameter-notification-topic';
export * from './nag/parameter-store-checks';
