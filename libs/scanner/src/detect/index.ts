// placeholder: replaced by the implementation
export {};
