import type { ContractDocumentData, OpportunityData } from '@mch/contracts';

/** A valid opportunity row as entity data, for specs; override what the spec is about. */
export function sampleOpportunity(id: string, overrides: Partial<OpportunityData> = {}): OpportunityData {
  return {
    id,
    noticeId: `VA-26-${id.slice(0, 8)}`,
    title: 'Nitrile examination gloves, powder-free, for VA medical centers',
    description: 'Supply of nitrile examination gloves in sizes S to XL, latex-free, ASTM D6319.',
    agency: 'VETERANS AFFAIRS, DEPARTMENT OF',
    subAgency: 'VETERANS HEALTH ADMINISTRATION',
    office: 'NETWORK CONTRACT OFFICE 8',
    noticeType: 'Combined Synopsis/Solicitation',
    baseType: 'Combined Synopsis/Solicitation',
    naicsCode: '339113',
    naicsDescription: 'Surgical Appliance and Supplies Manufacturing',
    setAsideType: 'SDVOSBC',
    contractType: 'Firm Fixed Price',
    classificationCode: '6515',
    status: 'active',
    solicitationNumber: '36C24826Q0001',
    postedDate: '2026-02-01T14:00:00.000Z',
    responseDeadline: '2026-03-01T21:00:00.000Z',
    archiveDate: null,
    awardDate: null,
    awardAmount: null,
    estimatedValueMin: '10000.00',
    estimatedValueMax: '250000.00',
    awardeeName: null,
    placeOfPerformanceState: 'FL',
    placeOfPerformanceCity: 'Tampa',
    primaryContactName: 'Jane Roe',
    primaryContactEmail: 'jane.roe@va.gov',
    samUrl: 'https://sam.gov/opp/x/view',
    syncVersion: 1,
    createdAt: '2026-02-01T14:05:00.000Z',
    updatedAt: '2026-02-01T14:05:00.000Z',
    ...overrides,
  };
}

export function sampleDocument(id: string, opportunityId: string, overrides: Partial<ContractDocumentData> = {}): ContractDocumentData {
  return {
    id,
    opportunityId,
    companyId: '00000000-0000-4000-8000-000000000001',
    noticeId: null,
    fileName: 'Statement_of_Work.pdf',
    fileType: 'application/pdf',
    fileSize: 120_000,
    ocrStatus: 'completed',
    requirements: ['Offeror must be registered in SAM.gov', 'Deliver within 30 days ARO'],
    processedAt: '2026-02-02T10:00:00.000Z',
    createdAt: '2026-02-02T09:00:00.000Z',
    updatedAt: '2026-02-02T10:00:00.000Z',
    ...overrides,
  };
}
