// Exit codes of CONVENTIONS.md: cron jobs and scripts branch on these numbers.
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  dailyBudget: 3,
  locked: 4,
  interrupted: 130,
} as const;
