// Messages of the tenant's pages, in both languages (the type makes en list every zh key).
export const zh = {
  "tenant.placeholder": "tenant",
};

export const en: Record<keyof typeof zh, string> = {
  "tenant.placeholder": "tenant",
};
