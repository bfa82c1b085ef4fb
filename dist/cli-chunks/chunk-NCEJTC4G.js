import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);
var ActionError=class extends Error{constructor(code,message,line){super(message);this.code=code;this.line=line}code;line;name="ActionError"},ActionErrors=class extends Error{constructor(errors){super(errors.length===1?errors[0]?.message??"":`${errors.length} problems:
`+errors.map(e=>`- ${e.message}`).join(`
`));this.errors=errors}errors;name="ActionErrors"};function describeError(error){return error instanceof Error?error.message:String(error)}export{ActionError,ActionErrors,describeError};
