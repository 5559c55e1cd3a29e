// Word lists for the sandbox's seeded data: a Spanish car dealer's CRM with some English
// contacts. Deliberately awkward values (accents, commas, quotes, newlines, leading = + - @)
// are mixed in so that exports and SQL views meet them in every run.

import type { CustomFieldDataType } from './types.ts';

export const FIRST_NAMES_ES = [
  'José', 'María', 'Begoña', 'Íñigo', 'Lucía', 'Álvaro', 'Carmen', 'Jesús', 'Ana', 'Sofía',
  'Javier', 'Núria', 'Raúl', 'Marta', 'Andrés', 'Elena', 'Sergio', 'Pilar', 'Óscar', 'Laura',
  'Ramón', 'Ainhoa', 'Joaquín', 'Rocío', 'Adrián', 'Inés', 'Víctor', 'Noelia', 'Iker', 'Lourdes',
  'Francisco Javier', 'María José', 'Juan Carlos', 'Mª Ángeles', 'Txema', 'Iñaki', 'Begoña', 'Ñuño',
];

export const FIRST_NAMES_EN = [
  'James', 'Mary', 'John', 'Patricia', 'Robert', 'Jennifer', 'Michael', 'Linda', 'David',
  'Elizabeth', 'William', 'Susan', 'Chloë', 'Zoë', "D'Arcy", 'Seán', 'Renée', 'Liam', 'Emma',
];

export const LAST_NAMES_ES = [
  'García', 'Núñez', 'Fernández', 'González', 'Rodríguez', 'López', 'Martínez', 'Sánchez',
  'Pérez', 'Gómez', 'Martín', 'Jiménez', 'Ruiz', 'Hernández', 'Díaz', 'Moreno', 'Muñoz',
  'Álvarez', 'Romero', 'Alonso', 'Gutiérrez', 'Navarro', 'Torres', 'Domínguez', 'Vázquez',
  'Ramos', 'Gil', 'Ramírez', 'Serrano', 'Blanco', 'Ibáñez', 'Peña', 'Ordóñez', 'Echeverría',
  'Goñi', 'Castaño', 'de la Fuente', 'del Río', 'Yáñez', 'Ñíguez',
];

export const LAST_NAMES_EN = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Miller', 'Davis', "O'Brien", "O'Connor",
  'Taylor', 'Anderson', 'Thomas', 'Jackson', 'White', 'Harris', 'Martin-Smith', 'McDonald',
];

export const EMAIL_DOMAINS = [
  'gmail.com', 'hotmail.com', 'yahoo.es', 'outlook.com', 'icloud.com', 'telefonica.net',
  'hotmail.es', 'protonmail.com', 'empresa.es',
];

/** Company names, including CSV-injection and quoting cases. */
export const COMPANY_NAMES = [
  'Autos Pérez S.L.', 'Talleres "El Rápido"', 'Transportes Núñez, S.A.', 'Construcciones Begoña',
  'Acme Corp', 'Flotas del Norte', 'Logística Ibérica S.L.', 'Café & Té, S.C.', 'Ñandú Motors',
  '=HYPERLINK("http://example.com","clic")', '+34 Renting', '-Descuentos Total-', '@home Mudanzas',
  'Panadería La Espiga', 'Smith & Sons Ltd.', 'Clínica Dental Sonrisas', 'Inmobiliaria Sol y Mar',
  'Agro "La Vega", S.Coop.', 'Distribuciones Ortiz', 'Electricidad Goñi', '日本自動車 (Japan Autos)',
];

export const TAGS = [
  'lead caliente', 'vip', 'test drive', 'financiación', 'seat', 'toyota', 'volkswagen',
  'renault', 'peugeot', 'hyundai', 'kia', 'bmw', 'mercedes', 'audi', 'tesla', 'eléctrico',
  'híbrido', 'diésel', 'segunda mano', 'km 0', 'renting', 'flota', 'taller', 'newsletter',
  'no contactar', 'recompra', 'tasación', 'black friday', 'feria 2025', 'leadcars',
];

export const SOURCES = [
  'web form', 'facebook', 'google ads', 'walk-in', 'referral', 'leadcars', 'coches.net',
  'instagram', 'phone call', 'import',
];

export interface Place {
  city: string;
  state: string;
  postalPrefix: string;
  country: string;
  timezone: string;
  phonePrefix: string;
  /** Digits after the country code, not counting the first digit chosen from `phoneStarts`. */
  phoneDigits: number;
  phoneStarts: readonly string[];
}

export const PLACES_ES: readonly Place[] = [
  { city: 'Madrid', state: 'Madrid', postalPrefix: '28', country: 'ES', timezone: 'Europe/Madrid', phonePrefix: '+34', phoneDigits: 8, phoneStarts: ['6', '7', '9'] },
  { city: 'Barcelona', state: 'Barcelona', postalPrefix: '08', country: 'ES', timezone: 'Europe/Madrid', phonePrefix: '+34', phoneDigits: 8, phoneStarts: ['6', '7', '9'] },
  { city: 'Valencia', state: 'Valencia', postalPrefix: '46', country: 'ES', timezone: 'Europe/Madrid', phonePrefix: '+34', phoneDigits: 8, phoneStarts: ['6', '7', '9'] },
  { city: 'Sevilla', state: 'Sevilla', postalPrefix: '41', country: 'ES', timezone: 'Europe/Madrid', phonePrefix: '+34', phoneDigits: 8, phoneStarts: ['6', '7', '9'] },
  { city: 'Bilbao', state: 'Bizkaia', postalPrefix: '48', country: 'ES', timezone: 'Europe/Madrid', phonePrefix: '+34', phoneDigits: 8, phoneStarts: ['6', '7', '9'] },
  { city: 'A Coruña', state: 'A Coruña', postalPrefix: '15', country: 'ES', timezone: 'Europe/Madrid', phonePrefix: '+34', phoneDigits: 8, phoneStarts: ['6', '7', '9'] },
  { city: 'Logroño', state: 'La Rioja', postalPrefix: '26', country: 'ES', timezone: 'Europe/Madrid', phonePrefix: '+34', phoneDigits: 8, phoneStarts: ['6', '7', '9'] },
  { city: 'Las Palmas de Gran Canaria', state: 'Las Palmas', postalPrefix: '35', country: 'ES', timezone: 'Atlantic/Canary', phonePrefix: '+34', phoneDigits: 8, phoneStarts: ['6', '9'] },
  { city: 'Málaga', state: 'Málaga', postalPrefix: '29', country: 'ES', timezone: 'Europe/Madrid', phonePrefix: '+34', phoneDigits: 8, phoneStarts: ['6', '7', '9'] },
];

export const PLACES_ABROAD: readonly Place[] = [
  { city: 'New York', state: 'NY', postalPrefix: '100', country: 'US', timezone: 'America/New_York', phonePrefix: '+1', phoneDigits: 9, phoneStarts: ['2', '3', '6', '9'] },
  { city: 'London', state: 'England', postalPrefix: 'SW1', country: 'GB', timezone: 'Europe/London', phonePrefix: '+44', phoneDigits: 9, phoneStarts: ['7'] },
  { city: 'Paris', state: 'Île-de-France', postalPrefix: '75', country: 'FR', timezone: 'Europe/Paris', phonePrefix: '+33', phoneDigits: 8, phoneStarts: ['6', '7'] },
  { city: 'Ciudad de México', state: 'CDMX', postalPrefix: '06', country: 'MX', timezone: 'America/Mexico_City', phonePrefix: '+52', phoneDigits: 9, phoneStarts: ['5'] },
  { city: 'Lisboa', state: 'Lisboa', postalPrefix: '1', country: 'PT', timezone: 'Europe/Lisbon', phonePrefix: '+351', phoneDigits: 8, phoneStarts: ['9'] },
];

export const STREETS = [
  'Calle Mayor', 'Avenida de la Constitución', 'Calle de Alcalá', 'Paseo de Gràcia',
  'Calle Real', 'Plaza de España', 'Gran Vía', 'Calle del Olmo', 'Rúa Nova', 'Avenida Diagonal',
  'Calle Peña Prieta', 'Camino Viejo',
];

export const LOCATION_NAMES = [
  'Concesionario Núñez — Madrid', 'Autos Begoña, Bilbao', 'Motor "Sur" Sevilla',
  'Valencia Cars', 'Barcelona Motor Group', 'Logroño Automoción',
];

export const TASK_TITLES = [
  'Llamar al cliente', 'Enviar presupuesto', 'Confirmar prueba de conducción',
  'Seguimiento financiación', 'Tasación del vehículo usado', 'Recordatorio ITV',
  'Follow up call', 'Send brochure', 'Revisar documentación, DNI y nómina',
  'Cita en taller', '"Urgente": devolver llamada', 'Preparar entrega',
];

export const TASK_BODIES = [
  'Pregunta por el modelo híbrido.\nPrefiere llamadas por la tarde.',
  'Quiere saber el precio "final", con impuestos.',
  'Customer asked about trade-in value; call back Tuesday.',
  '=SUM(A1:A3) no es una fórmula, es lo que escribió el cliente',
  'Tiene cita el jueves, confirmar 24 h antes 👍',
  'Financiación a 48 meses, entrada 3.000 €',
];

export const NOTE_BODIES = [
  'Cliente interesado en el SUV.\nVolver a llamar la semana que viene.',
  'Dice: "no me llaméis antes de las 10", anotado.',
  'Visitó el concesionario con su pareja; le gustó el color gris, el rojo no.',
  'Left a voicemail.\n\nNo answer on second try.',
  '+34 600 000 000 es el teléfono de su mujer, no del cliente',
  '-- nota importada del CRM antiguo --\nEstado: pendiente',
  '@Begoña revisa la tasación, por favor',
  'Pidió catálogo en inglés. ¿Tenemos uno? 🤔',
  'Compró un Toyota Corolla híbrido. ¡Enhorabuena!',
  'Cliente de Núñez & Cía, factura a nombre de la empresa.',
];

export interface CustomFieldTemplate {
  name: string;
  key: string;
  dataType: CustomFieldDataType;
  picklistOptions: string[];
  placeholder: string;
}

/** Every HighLevel data type once, plus two fields that share a display name (different
 * keys), so the analysts' wide view has to disambiguate columns. */
export const CUSTOM_FIELD_TEMPLATES: readonly CustomFieldTemplate[] = [
  { name: 'Modelo de interés', key: 'modelo_de_interes', dataType: 'TEXT', picklistOptions: [], placeholder: 'p. ej. Corolla' },
  { name: 'Comentarios del cliente', key: 'comentarios_cliente', dataType: 'LARGE_TEXT', picklistOptions: [], placeholder: '' },
  { name: 'Kilómetros', key: 'kilometros', dataType: 'NUMERICAL', picklistOptions: [], placeholder: '0' },
  { name: 'Presupuesto (€)', key: 'presupuesto', dataType: 'MONETORY', picklistOptions: [], placeholder: '0,00' },
  { name: 'Preferencias de contacto', key: 'preferencias_contacto', dataType: 'CHECKBOX', picklistOptions: ['Email', 'Teléfono', 'WhatsApp', 'SMS'], placeholder: '' },
  { name: 'Combustible', key: 'combustible', dataType: 'SINGLE_OPTIONS', picklistOptions: ['Gasolina', 'Diésel', 'Híbrido', 'Eléctrico'], placeholder: '' },
  { name: 'Extras', key: 'extras', dataType: 'MULTIPLE_OPTIONS', picklistOptions: ['Techo solar', 'Navegador, GPS', 'Asientos calefactados', 'Pack "Premium"'], placeholder: '' },
  { name: 'Fecha prevista de compra', key: 'fecha_prevista_compra', dataType: 'DATE', picklistOptions: [], placeholder: '' },
  { name: 'Teléfono del trabajo', key: 'telefono_trabajo', dataType: 'PHONE', picklistOptions: [], placeholder: '+34' },
  { name: 'Email secundario', key: 'email_secundario', dataType: 'EMAIL', picklistOptions: [], placeholder: '' },
  { name: '¿Financiación?', key: 'financiacion', dataType: 'RADIO', picklistOptions: ['Sí', 'No', 'No sabe'], placeholder: '' },
  { name: 'Vehículo actual', key: 'vehiculo_actual', dataType: 'TEXTBOX_LIST', picklistOptions: [], placeholder: 'Marca / modelo' },
  // Same display name as the first field, different key.
  { name: 'Modelo de interés', key: 'modelo_interes_web', dataType: 'SINGLE_OPTIONS', picklistOptions: ['Corolla', 'C-HR', 'León', 'Ibiza', 'Model 3', 'Otro, no listado'], placeholder: '' },
];

export const TEXT_VALUES = [
  'Corolla', 'León FR', 'Model 3', 'Ibiza "Style"', 'C-HR, híbrido', '=1+1', 'Niño\ncon silla',
  'Golf GTI', 'Clio', '@mención', '+info', '-', 'Ñ',
];
