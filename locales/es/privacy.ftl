## templates/privacy.html

privacy-title = Aviso de privacidad
privacy-version = Versión { $version }. Crear una cuenta supone aceptar este aviso; careledger registra qué versión aceptó usted y cuándo.
privacy-keeps-heading = Qué guarda careledger
privacy-keeps = Su nombre, su dirección de correo electrónico y el hash de su contraseña; los registros, archivos y modificaciones que sus médicos escriben sobre usted; quién forma parte de su equipo de atención y quién lo añadió; sus consentimientos; los dispositivos desde los que inicia sesión (nombre del navegador y dirección de red) y cuándo.
privacy-why-heading = Para qué
privacy-why = Para ofrecerle a usted y a los médicos que elija un único registro de su atención, y para demostrar que no se ha alterado: cada anotación clínica se guarda en un registro sellado y firmado que contiene hashes, nunca el texto en sí.
privacy-readers-heading = Quién lo lee
privacy-readers = Usted; los médicos de su equipo de atención (quienes escribieron sus registros, aquellos a quienes estos le derivaron y los que usted añada), mientras formen parte de él; en una clínica que funciona como un solo equipo, sus médicos activos. Los administradores gestionan las cuentas y no leen ningún contenido clínico.
privacy-rights-heading = Sus derechos
privacy-rights = Puede ver su equipo de atención y retirar a un médico de él, dar y retirar su consentimiento, y consultar sus registros en cualquier momento. Pida a su clínica que corrija o borre sus datos; un borrado destruye los datos y solo deja los hashes del registro sellado.
