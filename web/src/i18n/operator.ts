// Messages of the operator's pages, in both languages (the type makes en list every zh key).
export const zh = {
  "operator.placeholder": "operator",
};

export const en: Record<keyof typeof zh, string> = {
  "operator.placeholder": "operator",
};
