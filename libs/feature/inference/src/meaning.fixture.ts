/**
 * Opportunities and queries for the meaning-not-words spec: each query shares no word with its
 * answer (the spec checks that with the feature hasher's own tokenizer), so a bag-of-words vector
 * can only find it by accident.
 */
export const OPPORTUNITIES: readonly string[] = [
  'Wound care dressing supplies for field hospitals',
  'MRI scanner maintenance contract for the radiology department',
  'Ambulance fleet replacement',
  'Influenza vaccine doses for veterans',
  'Hospital cafeteria food services',
  'Janitorial cleaning of clinic buildings',
  'Dental x-ray equipment purchase',
  'Telehealth video consultation platform',
  'Prescription pharmacy benefit management',
  'Electronic health records software licenses',
  'Surgical gloves and face masks',
  'Blood glucose test strips for diabetics',
  'Wheelchairs and walkers',
  'Hearing aids for veterans',
  'Mental health counseling services',
  'Laboratory blood sample courier',
  'Medical waste disposal',
  'Nurse staffing agency',
  'Oxygen concentrators for home patients',
  'Cybersecurity assessment of the hospital network',
  'Pest control at medical facilities',
  'Interpreter services for patients',
];

/** [query, index of its answer in OPPORTUNITIES] */
export const QUERIES: readonly (readonly [string, number])[] = [
  ['bandages and gauze', 0],
  ['servicing magnetic resonance imaging machines', 1],
  ['new emergency vehicles to transport the sick', 2],
  ['flu shots', 3],
  ['meals and catering', 4],
  ['custodial sanitation', 5],
  ['radiography devices to photograph teeth', 6],
  ['remote doctor visits over the internet', 7],
  ['medication drug plan administration', 8],
  ['digital patient charts', 9],
  ['latex hand protection worn by surgeons', 10],
  ['sugar monitoring kits', 11],
  ['mobility devices', 12],
  ['devices to help the deaf', 13],
  ['psychological therapy', 14],
  ['transporting specimens to the lab', 15],
  ['getting rid of hazardous clinical trash', 16],
  ['temporary RN personnel', 17],
  ['respiratory equipment to help people breathe', 18],
  ['penetration testing of IT systems', 19],
  ['exterminating rodents and insects', 20],
  ['translation in a foreign language', 21],
];
