## templates/notice.html (the notice itself is a sentence of domain.ftl)

notice-title = Antes de continuar
notice-continue = Continuar
