/**
 * A manufacturer and model guessed from a seed file's name, for files that name none (OATH CSV,
 * PSKC without DeviceInfo): "Token2_C202_box-12.csv" -> Token2, C202. Only vendors on the list
 * below are recognised, so a name like "seeds-2025.csv" guesses nothing and the admin is asked.
 * The CLI offers the guess as the default of --manufacturer/--model; the import preview shows it.
 */
const VENDORS: Record<string, string> = {
  token2: 'Token2',
  feitian: 'Feitian',
  deepnet: 'Deepnet',
  yubico: 'Yubico',
  thales: 'Thales',
  safenet: 'SafeNet',
  gemalto: 'Gemalto',
  onespan: 'OneSpan',
  vasco: 'VASCO',
  protectimus: 'Protectimus',
  excelsecu: 'Excelsecu',
  molto: 'Molto',
};

export function guessDeviceNames(fileName: string): { manufacturer?: string; model?: string } {
  const base = fileName.split(/[\\/]/).pop() ?? '';
  const stem = base.replace(/(\.(csv|json|xml|pskc|pskcxml|txt|gpg|pgp|asc|zip))+$/i, '');
  const words = stem.split(/[\s_.-]+/).filter((word) => word !== '');
  const at = words.findIndex((word) => VENDORS[word.toLowerCase()] !== undefined);
  if (at === -1) return {};
  const manufacturer = VENDORS[words[at]!.toLowerCase()]!;
  // A model is a short word with a letter and a digit: C202, c100, OTP-c200 parts.
  const model = words.slice(at + 1).find((word) => /^(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9]{2,16}$/.test(word) && !/^box\d*$/i.test(word));
  return model === undefined ? { manufacturer } : { manufacturer, model };
}
