export * from './advanced-secure-string-expiration';
export * from './parameter-key-decrypt-conditioned';
export * from './parameter-key-rotation';
export * from './parameter-read-scoped';
export * from './plain-parameter-secret-name';
export * from './secure-string-customer-managed-key';
export * from './secure-string-no-plain-text';
export * from './stack-template';
