export * from './parameter-key';
