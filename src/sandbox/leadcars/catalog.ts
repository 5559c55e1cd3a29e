// The reference data a LeadCars customer account holds: dealers (concesionarios), their branches
// (sedes) and campaigns, lead types and lead states. Seeded, small and fixed for a sandbox's life:
// a create must name ids from here, as the real API requires ids "obtained from" these lists
// (manual p.3 and p.7-8).

export interface Dealer { id: number; name: string }
export interface Branch { id: number; dealerId: number; name: string }
export interface Campaign { dealerId: number; code: string; name: string }
export interface LeadType { id: number; name: string }
/** A field a state asks for (manual p.5, GET /listStates). */
export interface StateField {
  name: string;
  type: 'checkbox' | 'text' | 'textarea';
  title: string;
  required: boolean;
  options?: string[];
}
export interface LeadState { id: number; name: string; group: string; fields: StateField[] }

export interface Catalog {
  dealers: Dealer[];
  branches: Branch[];
  campaigns: Campaign[];
  types: LeadType[];
  states: LeadState[];
}

/** The dealer ids start at an offset so a test mixing them up with other ids notices. */
export function createCatalog(seed: number): Catalog {
  const base = 100 + (Math.abs(Math.trunc(seed)) % 800);
  const dealers: Dealer[] = [
    { id: base, name: 'Concesionario DEMO' },
    { id: base + 1, name: 'Automóviles Sur' },
  ];
  const branches: Branch[] = [
    { id: base * 10 + 1, dealerId: base, name: 'Madrid Centro' },
    { id: base * 10 + 2, dealerId: base, name: 'Alcobendas' },
    { id: base * 10 + 3, dealerId: base + 1, name: 'Sevilla' },
  ];
  const campaigns: Campaign[] = [
    { dealerId: base, code: 'LIQUIDACION_VN_NOV', name: 'LIQUIDACIÓN VN NOVIEMBRE' },
    { dealerId: base, code: 'WEB_VO', name: 'Web vehículo de ocasión' },
    { dealerId: base + 1, code: 'RENTING', name: 'Renting particulares' },
  ];
  const types: LeadType[] = [
    { id: 1, name: 'OFFLINE - Paso de exposición' },
    { id: 2, name: 'ONLINE - Formulario web' },
    { id: 3, name: 'ONLINE - Llamada' },
  ];
  const states: LeadState[] = [
    { id: 1, name: 'Pendiente', group: 'en_curso', fields: [] },
    {
      id: 2, name: 'Cita concertada', group: 'en_curso', fields: [
        { name: 'texto', type: 'textarea', title: 'Comentario de texto', required: false },
      ],
    },
    {
      // Manual p.5, verbatim.
      id: 5, name: 'Imposible contactar', group: 'negativos', fields: [
        { name: 'motivos', type: 'checkbox', title: 'Motivos', required: true, options: ['No contesta', 'Datos de contacto erróneo', 'Sin datos de contacto'] },
        { name: 'concesionario', type: 'text', title: 'Concesionario', required: false },
        { name: 'texto', type: 'textarea', title: 'Comentario de texto', required: true },
      ],
    },
    { id: 7, name: 'Venta', group: 'positivos', fields: [] },
  ];
  return { dealers, branches, campaigns, types, states };
}
